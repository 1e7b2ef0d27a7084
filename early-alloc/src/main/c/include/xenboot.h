/*
 * xenboot.h: the boot flow Xen's EFI loader runs around its early allocator, shared by every strategy
 * payload (header-only: payload.mk turns every folder holding *.c into a payload, so shared code lives
 * here as static functions).
 *
 * What a payload does, in Xen's order (xen/common/efi/boot.c efi_start()/efi_multiboot2(),
 * xen/arch/x86/efi/efi-boot.h):
 *   1. the strategy sets itself up (a pool, mem_lower, ...);
 *   2. places the command line and a small block of early data (module list) with the strategy's
 *      allocator (place_string());
 *   3. allocates the trampoline below 1 MiB: AllocatePages(AllocateMaxAddress, EfiLoaderData, 16 pages,
 *      0x100000) (efi_arch_memory_setup(); UEFI 2.10 section 7.2 AllocatePages);
 *   4. sizes the memory map with GetMemoryMap(0) and takes a buffer 8 descriptors larger from the strategy
 *      (efi_exit_boot(), commit 8a753b3f1c "an arbitrary 8 entries");
 *   5. GetMemoryMap into that buffer, walks it for the trampoline fallback when step 3 failed (the highest
 *      EfiConventionalMemory -- or EfiBootServicesCode/Data, as Xen does unless map_bs is set, build with
 *      -DXENBOOT_MAP_BS=1 to exclude them -- descriptor ending at or below 1 MiB that holds 64 KiB;
 *      cfg.addr = (end - size) & PAGE_MASK; efi_arch_process_memory_map()), then ExitBootServices; on
 *      EFI_INVALID_PARAMETER it does GetMemoryMap into the same buffer and ExitBootServices once more
 *      (UEFI 2.10 section 7.4 ExitBootServices: "GetMemoryMap ... and ExitBootServices must be called again");
 *   6. after ExitBootServices copies a 4 KiB trampoline blob to the trampoline base and fills the 8 KiB
 *      trampoline stack at its top (Xen's AP boot stack lives at the end of the 64 KiB area), then checks
 *      that its own data (command line, early data, memory map) survived;
 *   7. reports and shuts the machine down with ResetSystem(EfiResetShutdown) (runtime services stay valid).
 *
 * Report lines ("@efiemu ..."; docs/strategies.md lists them) go to ConOut before ExitBootServices and
 * to COM1 after the first ExitBootServices call. Nothing is printed between the final GetMemoryMap and
 * ExitBootServices, so printing never changes the MapKey.
 */
#ifndef XENBOOT_H
#define XENBOOT_H

#include "efiemu_rt.h"

#ifndef XENBOOT_MAP_BS
#define XENBOOT_MAP_BS 0
#endif

#define XB_PAGE 0x1000UL
#define XB_PAGES(n) (((n) + XB_PAGE - 1) / XB_PAGE)
#define XB_1MIB 0x100000UL
#define XB_TRAMPOLINE_SIZE 0x10000UL   /* multiboot2+EFI TRAMPOLINE_SIZE: 64 KiB */
#define XB_TRAMPOLINE_BLOB 0x1000UL    /* what is copied to the trampoline base */
#define XB_TRAMPOLINE_STACK 0x2000UL   /* stack area at the top of the trampoline */
#define XB_MAP_SLACK 8                 /* Xen: info_size += 8 * desc_size */
#define XB_EARLY_DATA_SIZE 1024        /* the seed: "about 1 KiB" for Xen and module command lines */

/* Why a strategy could not hand out memory. */
typedef enum {
  XB_ALLOC_OK = 0,
  XB_NO_MEMORY,   /* the firmware (or the computed area) had no room: "allocation-failed" */
  XB_POOL_FULL,   /* a fixed-size pool is exhausted: "map-did-not-fit" for the map buffer */
} xb_alloc_error;

typedef struct {
  const char *name;
  /* Sets the strategy up before any allocation; returns 0 or prints a reason and returns -1. */
  int (*init)(void);
  /* Hands out size bytes (8-byte aligned) for label; *reported_size receives the bytes the strategy
     actually took (pages for page allocators). NULL on failure with *err and a detail text. */
  void *(*alloc)(UINTN size, const char *label, UINTN *reported_size, xb_alloc_error *err,
                 const char **detail);
  /* The memory-map buffer; NULL means use alloc(). */
  void *(*alloc_map)(UINTN size, UINTN *reported_size, xb_alloc_error *err, const char **detail);
  /* Runs after ExitBootServices (COM1 only); reports what the strategy gives back. */
  void (*after_exit)(void);
} xb_strategy;

extern char __ImageBase[];

/* ---- small helpers ------------------------------------------------------------------------------ */

static inline UINT32 xb_rd32(const void *p) { return *(const UINT32 *)p; }

/* SizeOfImage of the running image, from its own PE32+ headers (PE/COFF: e_lfanew at 0x3C, optional
   header after the 24-byte signature + file header, SizeOfImage at optional-header offset 56). */
static inline UINT64 xb_image_size(void) {
  const char *nt = __ImageBase + xb_rd32(__ImageBase + 0x3C);
  return xb_rd32(nt + 24 + 56);
}

/* Address of the first section (.text): Xen's `start` symbol. */
static inline char *xb_image_text_start(void) {
  const char *nt = __ImageBase + xb_rd32(__ImageBase + 0x3C);
  UINT16 opt_size = *(const UINT16 *)(nt + 4 + 16);
  const char *sect = nt + 24 + opt_size;
  return __ImageBase + xb_rd32(sect + 12);
}

static inline UINT64 xb_fnv1a(const void *p, UINTN n) {
  const unsigned char *b = p;
  UINT64 h = 0xcbf29ce484222325ULL;
  while (n--) h = (h ^ *b++) * 0x100000001b3ULL;
  return h;
}

/* Reports a range the strategy uses. */
static inline void xb_region(const char *label, UINT64 base, UINT64 size) {
  rt_printf("@efiemu region %s 0x%lx 0x%lx\n", label, base, size);
}

static inline __attribute__((noreturn)) void xb_finish(void) {
  rt_printf("@efiemu done\n");
  if (rt_st && rt_st->RuntimeServices)
    rt_st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
  for (;;) __asm__ volatile("cli; hlt");
}

static inline __attribute__((noreturn)) void xb_fail(const char *fmt_reason, const char *a, const char *b) {
  rt_printf("@efiemu result fail %s%s%s%s%s\n", fmt_reason, a ? " " : "", a ? a : "", b ? " " : "",
            b ? b : "");
  xb_finish();
}

/* A descriptor as the firmware reports it: Type, PhysicalStart, NumberOfPages, Attribute. */
#define XB_DESC(buf, i, dsz) ((EFI_MEMORY_DESCRIPTOR *)((char *)(buf) + (i) * (dsz)))

/* Plausibility of a map the firmware wrote into buf: catches a buffer that is not writable RAM. */
static inline int xb_map_sane(void *buf, UINTN size, UINTN dsz) {
  if (dsz < sizeof(EFI_MEMORY_DESCRIPTOR) || size % dsz != 0 || size == 0) return 0;
  for (UINTN i = 0; i < size / dsz; i++) {
    EFI_MEMORY_DESCRIPTOR *d = XB_DESC(buf, i, dsz);
    if (d->Type >= EfiMaxMemoryType && d->Type < 0x70000000U) return 0;
    if (d->NumberOfPages == 0 || (d->PhysicalStart & (XB_PAGE - 1)) != 0) return 0;
  }
  return 1;
}

/* Xen's trampoline fallback (efi_arch_process_memory_map): highest spot below 1 MiB, not allocated. */
static inline UINT64 xb_trampoline_fallback(void *buf, UINTN size, UINTN dsz, UINT64 current) {
  UINT64 addr = current;
  for (UINTN i = 0; i < size / dsz; i++) {
    EFI_MEMORY_DESCRIPTOR *d = XB_DESC(buf, i, dsz);
    int usable = d->Type == EfiConventionalMemory ||
                 (!XENBOOT_MAP_BS && (d->Type == EfiBootServicesCode || d->Type == EfiBootServicesData));
    UINT64 len = d->NumberOfPages * XB_PAGE;
    UINT64 end = d->PhysicalStart + len;
    if (usable && end <= XB_1MIB && len >= XB_TRAMPOLINE_SIZE && end > addr)
      addr = (end - XB_TRAMPOLINE_SIZE) & ~(XB_PAGE - 1);
  }
  return addr;
}

static const char xb_cmdline_text[] =
    "xen.efi console=com1,vga com1=115200,8n1 dom0_mem=2048M,max:2048M loglvl=all guest_loglvl=all "
    "-- vmlinuz root=/dev/sda1 ro console=hvc0";

static inline unsigned char xb_early_byte(UINTN i) { return (unsigned char)(0x5A ^ (i * 7)); }
static inline unsigned char xb_trampoline_byte(UINTN i) { return (unsigned char)(0xC3 ^ (i * 13)); }

/* Asks the strategy for memory; fails the run with the spec'd reason when it cannot. */
static inline void *xb_take(const xb_strategy *s, UINTN size, const char *label) {
  UINTN got = 0;
  xb_alloc_error err = XB_ALLOC_OK;
  const char *detail = NULL;
  void *p = (s->alloc_map && label[0] == 'm' && label[1] == 'a' && label[2] == 'p')
                ? s->alloc_map(size, &got, &err, &detail)
                : s->alloc(size, label, &got, &err, &detail);
  if (!p) {
    if (err == XB_POOL_FULL && label[0] == 'm')
      xb_fail("map-did-not-fit", label, detail);
    xb_fail("allocation-failed", label, detail);
  }
  xb_region(label, (UINT64)(UINTN)p, got);
  return p;
}

/* ---- the boot flow ------------------------------------------------------------------------------ */

static inline EFI_STATUS xb_main(const xb_strategy *s, EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = rt_bs;
  rt_printf("@efiemu strategy %s\n", s->name);
  rt_printf("@efiemu image 0x%lx 0x%lx\n", (UINT64)(UINTN)__ImageBase, xb_image_size());
  if (s->init && s->init() != 0) xb_fail("allocation-failed", "init", NULL);

  /* 2. command line and early data (place_string / efi_arch_handle_cmdline) */
  UINTN cmd_len = sizeof xb_cmdline_text;
  char *cmdline = xb_take(s, cmd_len, "cmdline");
  memcpy(cmdline, xb_cmdline_text, cmd_len);
  if (memcmp(cmdline, xb_cmdline_text, cmd_len) != 0) xb_fail("memory-not-writable", "cmdline", NULL);
  unsigned char *early = xb_take(s, XB_EARLY_DATA_SIZE, "chunk");
  for (UINTN i = 0; i < XB_EARLY_DATA_SIZE; i++) early[i] = xb_early_byte(i);

  /* 3. trampoline below 1 MiB (efi_arch_memory_setup) */
  EFI_PHYSICAL_ADDRESS tramp = XB_1MIB;
  EFI_STATUS ts = bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, XB_PAGES(XB_TRAMPOLINE_SIZE), &tramp);
  int tramp_allocated = ts == EFI_SUCCESS;
  rt_printf("@efiemu call AllocatePages(AllocateMaxAddress, EfiLoaderData, %lu, 0x%lx) = %s",
            (UINT64)XB_PAGES(XB_TRAMPOLINE_SIZE), (UINT64)XB_1MIB, rt_status_name(ts));
  if (tramp_allocated) {
    rt_printf(" -> 0x%lx\n", (UINT64)tramp);
    xb_region("trampoline", tramp, XB_TRAMPOLINE_SIZE);
  } else {
    rt_printf("\n");
    tramp = 0; /* Xen: cfg.addr = 0, fall back while walking the final map */
  }

  /* 4. map buffer: GetMemoryMap(0) for the size, plus 8 descriptors */
  UINTN map_size = 0, map_key = 0, dsz = 0;
  UINT32 dver = 0;
  EFI_STATUS ms = bs->GetMemoryMap(&map_size, NULL, &map_key, &dsz, &dver);
  if (ms != EFI_BUFFER_TOO_SMALL) xb_fail("map-size-query-failed", rt_status_name(ms), NULL);
  UINTN buf_size = map_size + XB_MAP_SLACK * dsz;
  void *map = xb_take(s, buf_size, "map-buffer");

  /* 5. final map + ExitBootServices, retried once on EFI_INVALID_PARAMETER (efi_exit_boot) */
  EFI_STATUS es = EFI_NOT_STARTED;
  UINT64 map_hash = 0;
  int tries = 0, sane = 1;
  UINTN final_size = 0;
  for (;;) {
    final_size = buf_size;
    ms = bs->GetMemoryMap(&final_size, map, &map_key, &dsz, &dver);
    if (ms != EFI_SUCCESS) {
      if (tries > 0) rt_console_gone();
      xb_fail(ms == EFI_BUFFER_TOO_SMALL ? "map-did-not-fit" : "get-memory-map-failed", rt_status_name(ms), NULL);
    }
    sane = xb_map_sane(map, final_size, dsz);
    if (sane && !tramp_allocated) tramp = xb_trampoline_fallback(map, final_size, dsz, tramp);
    map_hash = xb_fnv1a(map, final_size);
    if (!tramp) break; /* Xen: blexit("No memory for trampoline") before ExitBootServices */
    es = bs->ExitBootServices(image, map_key);
    tries++;
    if (es != EFI_INVALID_PARAMETER || tries == 2) break;
  }
  if (tries > 0) rt_console_gone(); /* after the first EBS call only memory services may be used */
  rt_printf("@efiemu map entries=%lu descsize=%lu size=0x%lx buffer=0x%lx\n", (UINT64)(final_size / (dsz ? dsz : 1)),
            (UINT64)dsz, (UINT64)final_size, (UINT64)buf_size);
  if (tries > 0) rt_printf("@efiemu ebs %s tries=%d\n", rt_status_name(es), tries);
  if (!sane) xb_fail("map-unreadable", "map-buffer", NULL);
  if (!tramp) xb_fail("no-trampoline-space", NULL, NULL);
  if (es != EFI_SUCCESS) xb_fail("ebs-failed", rt_status_name(es), NULL);

  /* 6. relocate the trampoline, use its stack, check the strategy's data */
  if (!tramp_allocated) xb_region("trampoline", tramp, XB_TRAMPOLINE_SIZE);
  rt_printf("@efiemu trampoline 0x%lx source=%s\n", (UINT64)tramp, tramp_allocated ? "allocate" : "fallback");
  unsigned char *t = (unsigned char *)(UINTN)tramp;
  for (UINTN i = 0; i < XB_TRAMPOLINE_BLOB; i++) t[i] = xb_trampoline_byte(i);
  for (UINTN i = XB_TRAMPOLINE_SIZE - XB_TRAMPOLINE_STACK; i < XB_TRAMPOLINE_SIZE; i++) t[i] = 0xCC;

  const char *bad = NULL;
  if (memcmp(cmdline, xb_cmdline_text, cmd_len) != 0) bad = "cmdline";
  for (UINTN i = 0; !bad && i < XB_EARLY_DATA_SIZE; i++)
    if (early[i] != xb_early_byte(i)) bad = "chunk";
  if (!bad && xb_fnv1a(map, final_size) != map_hash) bad = "map-buffer";
  for (UINTN i = 0; !bad && i < XB_TRAMPOLINE_BLOB; i++)
    if (t[i] != xb_trampoline_byte(i)) bad = "trampoline";
  if (s->after_exit) s->after_exit();
  if (bad) xb_fail("data-overwritten", bad, NULL);
  rt_printf("@efiemu result ok\n");
  xb_finish();
}

#endif
