/*
 * watched-stores: every kind of guest store the memory-ownership sanitizer watches, into free memory (UEFI 2.10
 * §7.2: pages the application freed are not its own, UNALLOCATED_USE) next to pages it owns. It allocates ten pages
 * (AllocatePages, EfiLoaderData), frees pages 1, 3, 4, 6, 7, 8 and 9 (pages 0, 2 and 5 stay its own) and stores there:
 * bytes, an aligned qword, an unaligned dword, stores across page ends (watched to own, own to watched, own to
 * protected, watched to protected, protected to watched, protected to protected; "watched": a free page stored to
 * before, "protected": one never stored to), 16-byte SSE stores
 * (aligned and across a page end), push onto a stack moved into a free page, xchg, lock add, rep movsb, rep stosq and
 * rep stosb across a page end. It makes the same stores into its own memory first and prints every byte of the ten
 * pages that differs from there ("every store landed" when none does). WatchedStoresInFaultDifferentialTest runs it
 * with the sanitizer watching pages by write hooks and in the protection fault and expects the same findings and
 * trace; the console differs by the byte the write-hook way loses (the first one a page-crossing store puts on a
 * page never stored to before).
 */
#include "efiemu_rt.h"

static const UINT64 vec[2] __attribute__((aligned(16))) = {0x1112131415161718ULL, 0x2122232425262728ULL};
static const char text[8] = "watched";
static UINT8 shadow[10 * 4096] __attribute__((aligned(4096)));

static void stores(UINT8 *p) {
  UINT64 q = 0x8877665544332211ULL;
  volatile UINT8 *b = p;
  b[0x1005] = 0x11;                                  /* page 1: first store (a fault), then watched */
  *(volatile UINT64 *)(p + 0x1008) = 0x0123456789abcdefULL; /* aligned qword */
  __asm__ volatile("movl $0x12345678, 0x13(%0)" : : "r"(p + 0x1000) : "memory");   /* unaligned dword */
  __asm__ volatile("movq %1, 0xffc(%0)" : : "r"(p + 0x1000), "r"(q) : "memory");   /* watched -> own */
  __asm__ volatile("movl $0xcafebabe, 0xffe(%0)" : : "r"(p) : "memory");           /* own -> watched */
  __asm__ volatile("movq %1, 0xffd(%0)" : : "r"(p + 0x2000), "r"(q) : "memory");   /* own -> protected */
  __asm__ volatile("movq %1, 0xffb(%0)" : : "r"(p + 0x3000), "r"(q) : "memory");   /* watched -> protected */
  b[0x7100] = 0x71;                                  /* page 7: first store, then watched */
  __asm__ volatile("movq %1, 0xffa(%0)" : : "r"(p + 0x6000), "r"(q) : "memory");   /* protected -> watched */
  __asm__ volatile("movq %1, 0xff9(%0)" : : "r"(p + 0x8000), "r"(q) : "memory");   /* protected -> protected */
  __asm__ volatile("movq %1, 0xffc(%0)" : : "r"(p + 0x3000), "r"(q) : "memory");   /* watched -> watched */
  __asm__ volatile("movdqu (%1), %%xmm0\n\tmovdqu %%xmm0, 0x20(%0)\n\tmovdqu %%xmm0, 0xff8(%0)\n\t"
                   "movdqu %%xmm0, 0xffc(%0)" : : "r"(p + 0x1000), "r"(vec) : "xmm0", "memory");
  __asm__ volatile("movq %%rsp, %%r11\n\tleaq 0x1800(%0), %%rsp\n\tpushq %1\n\tpushq $0x77\n\tmovq %%r11, %%rsp"
                   : : "r"(p), "r"(q) : "r11", "memory");
  UINT64 x = q;
  __asm__ volatile("xchgq %0, 0x40(%1)\n\tlock addq $3, 0x48(%1)" : "+r"(x) : "r"(p + 0x1000) : "memory");
  void *d = p + 0x1100;
  const void *src = text;
  UINTN n = 7;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  d = p + 0x4100;
  n = 3;
  __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0x0102030405060708ULL) : "memory");
  d = p + 0x4ffe;
  n = 4;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x5b) : "memory");
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_PHYSICAL_ADDRESS base = 0;
  EFI_STATUS s = st->BootServices->AllocatePages(AllocateAnyPages, EfiLoaderData, 10, &base);
  if (EFI_ERROR(s)) {
    rt_printf("AllocatePages %s\n", rt_status_name(s));
    return s;
  }
  static const UINTN freed[] = {1, 3, 4, 6, 7, 8, 9};
  for (UINTN i = 0; i < sizeof(freed) / sizeof(freed[0]); i++) {
    s = st->BootServices->FreePages(base + freed[i] * 4096, 1);
    if (EFI_ERROR(s)) {
      rt_printf("FreePages %s\n", rt_status_name(s));
      return s;
    }
  }
  UINT8 *p = (UINT8 *)(UINTN)base;
  stores(shadow); /* the same stores into the image's own memory: what the ten pages must hold */
  stores(p);
  UINTN lost = 0;
  for (UINTN i = 0; i < sizeof(shadow); i++) {
    if (p[i] != shadow[i] && lost++ < 8) rt_printf("+0x%lx: 0x%02x, stored 0x%02x\n", (unsigned long)i, p[i], shadow[i]);
  }
  if (lost == 0) rt_printf("every store landed\n");
  return EFI_SUCCESS;
}
