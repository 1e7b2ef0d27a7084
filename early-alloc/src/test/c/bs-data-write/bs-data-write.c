/*
 * bs-data-write: a buggy boot loader that scribbles over firmware memory. It reads the memory map, takes the first
 * EfiBootServicesData descriptor of at least 128 KiB that does not hold its stack, and stores 16 bytes (one rep stosq)
 * at PhysicalStart + 0x1008, memory the application never allocated and the firmware owns until ExitBootServices
 * (UEFI 2.10 §7.2, EFI_MEMORY_TYPE). It prints "store 0x<address> len 0x10" and returns EFI_SUCCESS.
 * EfiemuEspAndSanitizerTest expects the memory-ownership sanitizer to report it as firmware corruption.
 */
#include "efiemu_rt.h"

static UINT8 map_buffer[32 * 1024] __attribute__((aligned(8)));

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  UINTN size = sizeof(map_buffer), key = 0, dsz = 0;
  UINT32 version = 0;
  EFI_STATUS s = st->BootServices->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &version);
  if (EFI_ERROR(s)) {
    rt_printf("GetMemoryMap %s\n", rt_status_name(s));
    return s;
  }
  UINT64 sp = (UINT64)(UINTN)__builtin_frame_address(0);
  for (UINTN off = 0; off + dsz <= size; off += dsz) {
    EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buffer + off);
    UINT64 end = d->PhysicalStart + d->NumberOfPages * 4096;
    if (d->Type != EfiBootServicesData || d->NumberOfPages * 4096 < 0x20000 || (sp >= d->PhysicalStart && sp < end)) {
      continue;
    }
    void *p = (void *)(UINTN)(d->PhysicalStart + 0x1008);
    UINTN count = 2;
    rt_printf("store 0x%lx len 0x10\n", (unsigned long)(UINTN)p);
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(count) : "a"(0x5A5A5A5A5A5A5A5AULL) : "memory");
    return EFI_SUCCESS;
  }
  rt_printf("no EfiBootServicesData descriptor of 128 KiB\n");
  return EFI_NOT_FOUND;
}
