/*
 * ovmf-probe, efiemu's capture application: records what a UEFI firmware's memory services answer to a fixed list of
 * edge cases, and the machine facts a profile needs (docs/profiles.md, "Capturing a machine").
 *
 * The probe runs first on real firmware (QEMU + OVMF through `efiemu profile capture --qemu-machine`, or a real
 * machine from a USB stick written by `--write-esp`) and later on efiemu with
 * the profile made from that capture; both runs must print the same "probe:" step lines. Every output line
 * therefore depends only on firmware answers: no timestamps, no stack addresses, no absolute MapKey values in
 * step lines (keys are reported as "same"/"changed").
 *
 * All output goes to COM1 by raw port I/O (rt_serial_puts), never through ConOut: the firmware's console
 * driver allocates pool while printing, which would perturb the placement the probe measures.
 */
#ifndef OVMF_PROBE_H
#define OVMF_PROBE_H

#include "efiemu_rt.h"

#define PROBE_MAX_STEPS 160
#define PROBE_LINE 200
#define PROBE_MAP_BYTES (32 * 1024)

/* The next free step slot (NULL when full); print_steps() prefixes "probe: NN ". */
char *step_slot(void);
/* Writes one line to COM1 and appends "\n". */
void out_line(const char *line);

/* Records a step line; formatting touches only the probe's static memory, never the firmware. */
#define step(...)                                   \
  do {                                              \
    char *slot_ = step_slot();                      \
    if (slot_) rt_snprintf(slot_, PROBE_LINE, __VA_ARGS__); \
  } while (0)

/* Formats one line and writes it to COM1. */
#define out(...)                                    \
  do {                                              \
    char line_[PROBE_LINE + 16];                       \
    rt_snprintf(line_, sizeof line_, __VA_ARGS__);  \
    out_line(line_);                                \
  } while (0)
/* Writes text to COM1 and the report buffer without a line end. */
void out_part(const char *text);
/* The report so far (every line written with out/out_line/out_part) and its length. */
const char *report_text(UINTN *len);

/* extras.c: text and graphics modes, variables, the end of a USB-stick run. */
void print_text_modes(EFI_SYSTEM_TABLE *st);
void print_gop_modes(void);
void print_variables(EFI_SYSTEM_TABLE *st);
void print_variable_store(EFI_SYSTEM_TABLE *st);
int wants_return(EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE *root);
EFI_STATUS write_report(EFI_FILE_HANDLE root, const char *text, UINTN len);
int com1_present(void);

/* Prints all recorded step lines. */
void print_steps(void);

/* Spec names: EfiLoaderData, OEM(0x70000000), OS(0x80000000), Invalid(0x10) (as org.efiemu.uefi.spec.MemoryType). */
const char *type_name(UINT32 type);
/* AllocateAnyPages / AllocateMaxAddress / AllocateAddress, else Invalid(n). */
const char *alloc_type_name(UINTN type);

/* CPUID, SMBIOS type 0/1 strings and ACPI OEM IDs as "identity:" lines (reads memory only, no firmware calls). */
void print_identity(EFI_SYSTEM_TABLE *st);

/* Scans the free runs of the five OVMF memory-type bins and prints them as "bin:" lines (bins.c); everything it
 * allocates is freed again before it returns. */
void print_bins(const UINT8 *map, UINTN size, UINTN desc_size);

/* The EFI_MEMORY_ATTRIBUTES_TABLE at entry as one "mat:" line (mat.c; reads memory only). */
void print_memory_attributes_table(EFI_SYSTEM_TABLE *st);

/* Prints a map in Linux's old "efi: memNN:" form. */
void print_map(const char *title, const UINT8 *map, UINTN size, UINTN desc_size);

#endif
