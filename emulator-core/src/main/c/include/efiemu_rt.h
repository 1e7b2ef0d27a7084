/*
 * efiemu payload runtime: the few freestanding helpers every C payload of this repository needs.
 *
 * Payloads are built by payload.mk into PE32+ EFI applications. UEFI types come from gnu-efi's
 * <efi.h>; nothing of gnu-efi's library (libefi/libgnuefi) is linked, so a payload's calls to the
 * firmware are exactly the calls its source makes.
 */
#ifndef EFIEMU_RT_H
#define EFIEMU_RT_H

#include <efi.h>
#include <stdarg.h>

/* Set by rt_init(); the payload's own view of the firmware. */
extern EFI_HANDLE rt_image;
extern EFI_SYSTEM_TABLE *rt_st;
extern EFI_BOOT_SERVICES *rt_bs;

void rt_init(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *dst, int c, UINTN n);
void *memcpy(void *dst, const void *src, UINTN n);
void *memmove(void *dst, const void *src, UINTN n);
int memcmp(const void *a, const void *b, UINTN n);
UINTN rt_strlen(const char *s);

/*
 * printf subset to ConOut (and, when rt_serial_enabled is set, to COM1 as well):
 * %d %i %u %x %X %p %s %c %% with the l/ll length modifiers, '0' padding and a field width.
 * After ExitBootServices the console is gone; rt_printf then writes to COM1 only.
 */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rt_vprintf(const char *fmt, va_list ap);
/* Formats into buf (NUL-terminated, at most size-1 characters); returns the length. */
int rt_snprintf(char *buf, UINTN size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* COM1 (I/O port 0x3F8) output; used by payloads that must report after ExitBootServices. */
extern int rt_serial_enabled;
void rt_serial_puts(const char *s);

/* Called by rt_printf once ExitBootServices succeeded: stop using ConOut. */
void rt_console_gone(void);

/* Short spec name of a status, e.g. "EFI_NOT_FOUND" (unknown values print as hex). */
const char *rt_status_name(EFI_STATUS s);

/* True when the UCS-2 string a (may be NULL) equals the ASCII string b, e.g. a payload's LoadOptions. */
static inline int rt_wide_eq(const CHAR16 *a, const char *b) {
  if (!a) return 0;
  while (*a && *b && *a == (CHAR16)*b) { a++; b++; }
  return *a == 0 && *b == 0;
}

/* The time-stamp counter (RDTSC: efiemu's virtual cycles). */
static inline UINT64 rt_rdtsc(void) {
  UINT32 lo, hi;
  __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
  return ((UINT64)hi << 32) | lo;
}

/* The interface of protocol g on handle h (HandleProtocol), or NULL when h does not have it. */
static inline void *rt_protocol(EFI_HANDLE h, EFI_GUID *g) {
  void *p = NULL;
  if (EFI_ERROR(rt_bs->HandleProtocol(h, g, &p))) return NULL;
  return p;
}

/*
 * `device`'s device path (its nodes up to the End node) followed by a File Path media node for `file` and an End node
 * (UEFI 2.10 §10.3.5.4), written into `buffer` of `capacity` bytes: the path LoadImage takes for a file on that device.
 * NULL when it does not fit.
 */
static inline EFI_DEVICE_PATH *rt_file_path(EFI_DEVICE_PATH *device, const CHAR16 *file, UINT8 *buffer,
    UINTN capacity) {
  UINT8 *at = buffer;
  UINT8 *d = (UINT8 *)device;
  UINTN chars = 0;
  while (file[chars]) chars++;
  UINTN len = 4 + 2 * (chars + 1);
  UINTN used = len + 4;
  while (!(d[0] == 0x7F && d[1] == 0xFF)) {
    UINTN node = d[2] | (d[3] << 8);
    if (node < 4 || used + node > capacity) return NULL;
    for (UINTN i = 0; i < node; i++) *at++ = d[i];
    used += node;
    d += node;
  }
  if (used > capacity) return NULL;
  at[0] = 4; at[1] = 4; at[2] = (UINT8)len; at[3] = (UINT8)(len >> 8);
  for (UINTN i = 0; i <= chars; i++) { at[4 + 2 * i] = (UINT8)file[i]; at[5 + 2 * i] = (UINT8)(file[i] >> 8); }
  at += len;
  at[0] = 0x7F; at[1] = 0xFF; at[2] = 4; at[3] = 0;
  return (EFI_DEVICE_PATH *)buffer;
}

/* A GUID in the registry format (8-4-4-4-12 hex digits), as the probes print them. */
static inline void rt_print_guid(const void *g) {
  const EFI_GUID *x = (const EFI_GUID *)g;
  rt_printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", x->Data1, x->Data2, x->Data3, x->Data4[0], x->Data4[1],
            x->Data4[2], x->Data4[3], x->Data4[4], x->Data4[5], x->Data4[6], x->Data4[7]);
}

/*
 * A device path in a compact text form of the probes' own (identical on efiemu and OVMF when the nodes are): the
 * nodes the probes meet by name (UEFI 2.10 §10.3: PciRoot, Pci, Sata, HD, File), any other as Node(type,sub,len);
 * `hd_signature` adds a hard drive node's partition signature (GUID or MBR signature). At most 16 nodes.
 */
static inline void rt_print_path(EFI_DEVICE_PATH *p, int hd_signature) {
  if (!p) { rt_printf("(none)"); return; }
  for (int n = 0; n < 16; n++) {
    UINT8 type = p->Type, sub = p->SubType;
    UINT16 len = p->Length[0] | (p->Length[1] << 8);
    const UINT8 *d = (const UINT8 *)p + 4;
    if (type == 0x7F && sub == 0xFF) return;
    if (n) rt_printf("/");
    if (type == 2 && sub == 1) rt_printf("PciRoot(0x%x)", *(const UINT32 *)(d + 4));
    else if (type == 1 && sub == 1) rt_printf("Pci(0x%x,0x%x)", d[1], d[0]);
    else if (type == 3 && sub == 18) rt_printf("Sata(0x%x,0x%x,0x%x)", *(const UINT16 *)d, *(const UINT16 *)(d + 2),
                                              *(const UINT16 *)(d + 4));
    else if (type == 4 && sub == 1) {
      rt_printf("HD(%u,%s,", *(const UINT32 *)d, d[36] == 2 ? "GPT" : "MBR");
      if (hd_signature) {
        if (d[37] == 2) rt_print_guid(d + 20); else rt_printf("0x%08x", *(const UINT32 *)(d + 20));
        rt_printf(",");
      }
      rt_printf("0x%lx,0x%lx)", (unsigned long)*(const UINT64 *)(d + 4), (unsigned long)*(const UINT64 *)(d + 12));
    } else if (type == 4 && sub == 4) {
      rt_printf("File(");
      for (const CHAR16 *c = (const CHAR16 *)d; *c; c++) rt_printf("%c", (char)*c);
      rt_printf(")");
    } else rt_printf("Node(%u,%u,%u)", type, sub, len);
    p = (EFI_DEVICE_PATH *)((UINT8 *)p + len);
  }
}

#endif
