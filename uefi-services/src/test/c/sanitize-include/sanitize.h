/*
 * Shared by the sanitize-* payloads: guest writes the memory-ownership sanitizer must flag, or must not.
 * MemorySanitizerTest checks the exact address, length and RIP of each finding; each payload prints its stores on
 * the console ("store <what> 0x<address> len 0x<length> rip 0x<rip>"). One payload per case (sanitize-<case>):
 *   sanitize-bs-data    16 bytes (rep stosq x2) into an EfiBootServicesData descriptor of the map -> firmware corruption
 *   sanitize-bs-memset  64 KiB (rep stosq) into the same descriptor                                -> one finding, 64 KiB
 *   sanitize-free       8 bytes into EfiConventionalMemory nobody allocated                        -> unallocated use
 *   sanitize-own        own AllocatePages/AllocatePool memory, the image's .data/.bss and the stack -> nothing
 *   sanitize-freed      8 bytes into pages allocated and freed again                               -> unallocated use
 *   sanitize-ebs        ExitBootServices, then 8 bytes into EfiBootServicesData (nothing) and 8 bytes into
 *                    EfiRuntimeServicesData (firmware corruption after ExitBootServices)
 *   sanitize-loop       a tight loop of stores into the payload's own pool buffer (slowdown measurement)
 */
#ifndef SANITIZE_H
#define SANITIZE_H
#include "efiemu_rt.h"



static UINT8 map_buffer[32 * 1024] __attribute__((aligned(8)));
static volatile UINT64 image_data __attribute__((unused)) = 1;       /* .data */
static volatile UINT8 image_bss[8192] __attribute__((unused));       /* .bss */

extern char store_qwords_rip[];

/* rep stosq: one instruction (one RIP) storing count quadwords of value at p. */
static __attribute__((noinline)) void store_qwords(void *p, UINT64 value, UINTN count) {
  __asm__ volatile(".globl store_qwords_rip\nstore_qwords_rip: rep stosq"
                   : "+D"(p), "+c"(count) : "a"(value) : "memory");
}

static __attribute__((unused)) void store(const char *what, void *p, UINTN count) {
  rt_printf("store %s 0x%lx len 0x%lx rip 0x%lx\n", what, (unsigned long)(UINTN)p, (unsigned long)(count * 8),
            (unsigned long)(UINTN)store_qwords_rip);
  store_qwords(p, 0x5A5A5A5A5A5A5A5AULL, count);
}

/* The first descriptor of type t with at least min_bytes that does not hold the stack; NULL when none. */
static __attribute__((unused)) EFI_MEMORY_DESCRIPTOR *find(UINTN size, UINTN dsz, UINT32 t, UINT64 min_bytes) {
  UINT64 sp = (UINT64)(UINTN)__builtin_frame_address(0);
  for (UINTN off = 0; off + dsz <= size; off += dsz) {
    EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buffer + off);
    UINT64 end = d->PhysicalStart + d->NumberOfPages * 4096;
    if (d->Type == t && d->NumberOfPages * 4096 >= min_bytes && !(sp >= d->PhysicalStart && sp < end)) return d;
  }
  return 0;
}

static UINTN get_map(EFI_BOOT_SERVICES *bs, UINTN *key, UINTN *dsz) {
  UINTN size = sizeof(map_buffer);
  UINT32 ver;
  EFI_STATUS s = bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, key, dsz, &ver);
  if (EFI_ERROR(s)) rt_printf("GetMemoryMap %s\n", rt_status_name(s));
  return size;
}

#define SANITIZE_CASE(...) \
  EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) { \
    rt_init(image, st); \
    EFI_BOOT_SERVICES *bs = st->BootServices; \
    UINTN key, dsz; \
    UINTN size = get_map(bs, &key, &dsz); \
    (void)size; \
    __VA_ARGS__ \
    return EFI_SUCCESS; \
  }
#endif
