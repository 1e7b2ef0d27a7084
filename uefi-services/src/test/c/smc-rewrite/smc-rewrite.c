/*
 * smc-rewrite: code that a program writes, runs, overwrites and runs again, and code sharing its page with data the
 * program stores to. Every call must give the result of the bytes in memory at the time of the call (Intel SDM
 * vol. 3A §8.1.3: a store to code that is then jumped to takes effect), whatever the emulator does to make stores
 * fast. Each case prints one line; StoreFastPathPayloadTest runs it with efiemu's store fast path on and off and
 * checks the lines. The code is written and called from this image's own .text (another page), never from the
 * block being written, so counting by block stays exact.
 *
 * Cases (all in pages from AllocatePages(EfiLoaderCode)):
 *   rewrite          write "mov eax, 1; ret", call it, write "mov eax, 2; ret" over it, call it
 *   data-then-code   store data into a fresh page many times first (its TLB entry is used for plain stores), then
 *                    write code there, call it; then 200 times: rewrite the constant through the same page, call
 *   imm-byte         rewrite only the immediate byte of a translated "mov eax, imm32" with a one-byte store
 *   shared-page      code that increments a counter kept in its own page (stores next to itself), called 100
 *                    times while this program also stores to that page; then the code is replaced and called
 *   two-pages        code written across a page boundary, called, its second half rewritten, called
 */
#include "efiemu_rt.h"

typedef UINT32 (*fn_t)(void);

static void emit_const(volatile UINT8 *p, UINT32 v) { /* mov eax, imm32; ret */
  p[0] = 0xB8;
  p[1] = (UINT8)v;
  p[2] = (UINT8)(v >> 8);
  p[3] = (UINT8)(v >> 16);
  p[4] = (UINT8)(v >> 24);
  p[5] = 0xC3;
}

static UINT32 call(volatile UINT8 *p) {
  __asm__ __volatile__("" ::: "memory");
  return ((fn_t)(UINTN)p)();
}

static volatile UINT8 *page(EFI_BOOT_SERVICES *bs, UINTN n) {
  EFI_PHYSICAL_ADDRESS a = 0;
  EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderCode, n, &a);
  if (s != EFI_SUCCESS) {
    rt_printf("allocate-pages %s\n", rt_status_name(s));
    return 0;
  }
  return (volatile UINT8 *)(UINTN)a;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;

  volatile UINT8 *p = page(bs, 1);
  if (!p) return EFI_OUT_OF_RESOURCES;
  emit_const(p, 1);
  UINT32 first = call(p);
  emit_const(p, 2);
  UINT32 second = call(p);
  rt_printf("rewrite %u %u\n", first, second);

  volatile UINT8 *q = page(bs, 1);
  if (!q) return EFI_OUT_OF_RESOURCES;
  volatile UINT32 *qdata = (volatile UINT32 *)(q + 0x800);
  for (UINT32 i = 0; i < 1000; i++) qdata[i & 63] = i;
  emit_const(q, 3);
  UINT32 three = call(q);
  UINT32 good = 0;
  UINT64 sum = 0;
  for (UINT32 i = 0; i < 200; i++) {
    qdata[i & 63] = i;
    emit_const(q, 1000 + i);
    UINT32 r = call(q);
    sum += r;
    if (r == 1000 + i) good++;
  }
  rt_printf("data-then-code %u %u/200 sum %lu\n", three, good, (unsigned long)sum);

  emit_const(q + 0x100, 0x11223344);
  UINT32 before = call(q + 0x100);
  q[0x101] = 0x55; /* the low byte of the immediate */
  UINT32 after = call(q + 0x100);
  rt_printf("imm-byte %x %x\n", before, after);

  volatile UINT8 *r = page(bs, 1);
  if (!r) return EFI_OUT_OF_RESOURCES;
  /* add dword [rip + 0x7fa], 1 (counter at r + 0x800); mov eax, [rip + 0x7f4]; ret */
  static const UINT8 inc[] = {0x83, 0x05, 0xF9, 0x07, 0x00, 0x00, 0x01, 0x8B, 0x05, 0xF3, 0x07, 0x00, 0x00, 0xC3};
  for (UINTN i = 0; i < sizeof inc; i++) r[i] = inc[i];
  volatile UINT32 *counter = (volatile UINT32 *)(r + 0x800);
  volatile UINT32 *other = (volatile UINT32 *)(r + 0x900);
  *counter = 0;
  UINT32 last = 0;
  for (UINT32 i = 0; i < 100; i++) {
    other[i & 15] = i;
    last = call(r);
  }
  UINT32 counted = *counter;
  emit_const(r, 77);
  UINT32 replaced = call(r);
  rt_printf("shared-page %u %u %u\n", last, counted, replaced);

  volatile UINT8 *t = page(bs, 2);
  if (!t) return EFI_OUT_OF_RESOURCES;
  volatile UINT8 *c = t + 0x1000 - 3; /* mov eax, imm32 straddles the boundary; ret on the second page */
  emit_const(c, 0x01020304);
  UINT32 straddle1 = call(c);
  c[4] = 0x09; /* second page: the immediate's high byte */
  UINT32 straddle2 = call(c);
  rt_printf("two-pages %x %x\n", straddle1, straddle2);
  return EFI_SUCCESS;
}
