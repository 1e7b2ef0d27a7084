/*
 * ovmf-probe: records what a UEFI firmware's memory services answer to a fixed list of edge cases.
 *
 * The probe runs first on real OVMF under QEMU (platforms/capture/capture-ovmf.sh) and later on efiemu with
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

/* Prints a map in Linux's old "efi: memNN:" form. */
void print_map(const char *title, const UINT8 *map, UINTN size, UINTN desc_size);

#endif
