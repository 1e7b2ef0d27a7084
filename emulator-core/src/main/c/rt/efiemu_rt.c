#include "efiemu_rt.h"

EFI_HANDLE rt_image;
EFI_SYSTEM_TABLE *rt_st;
EFI_BOOT_SERVICES *rt_bs;
int rt_serial_enabled;
static int console_gone;

void rt_init(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_image = image;
  rt_st = st;
  rt_bs = st ? st->BootServices : 0;
  console_gone = 0;
}

void rt_console_gone(void) { console_gone = 1; }

void *memset(void *dst, int c, UINTN n) {
  volatile unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

void *memcpy(void *dst, const void *src, UINTN n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, UINTN n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d == s || n == 0) return dst;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

int memcmp(const void *a, const void *b, UINTN n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

UINTN rt_strlen(const char *s) {
  UINTN n = 0;
  while (s[n]) n++;
  return n;
}

static inline void outb(UINT16 port, UINT8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline UINT8 inb(UINT16 port) {
  UINT8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

void rt_serial_puts(const char *s) {
  for (; *s; s++) {
    if (*s == '\n') {
      for (int i = 0; i < 100000 && !(inb(0x3FD) & 0x20); i++) {}
      outb(0x3F8, '\r');
    }
    for (int i = 0; i < 100000 && !(inb(0x3FD) & 0x20); i++) {}
    outb(0x3F8, (UINT8)*s);
  }
}

/* --- formatting ------------------------------------------------------------------------------ */

struct sink {
  char *buf;
  UINTN size, len;
};

static void put(struct sink *k, char c) {
  if (k->len + 1 < k->size) k->buf[k->len] = c;
  k->len++;
}

static void put_num(struct sink *k, UINT64 v, int base, int upper, int neg, int width, char pad) {
  char tmp[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  int total = n + (neg ? 1 : 0);
  if (neg && pad == '0') put(k, '-');
  for (; total < width; total++) put(k, pad);
  if (neg && pad != '0') put(k, '-');
  while (n) put(k, tmp[--n]);
}

static void format(struct sink *k, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(k, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') {
      lng++;
      fmt++;
    }
    switch (*fmt) {
    case 'd':
    case 'i': {
      INT64 v = lng ? va_arg(ap, INT64) : va_arg(ap, int);
      put_num(k, v < 0 ? (UINT64)-v : (UINT64)v, 10, 0, v < 0, width, pad);
      break;
    }
    case 'u':
      put_num(k, lng ? va_arg(ap, UINT64) : va_arg(ap, unsigned), 10, 0, 0, width, pad);
      break;
    case 'x':
    case 'X':
      put_num(k, lng ? va_arg(ap, UINT64) : va_arg(ap, unsigned), 16, *fmt == 'X', 0, width, pad);
      break;
    case 'p':
      put(k, '0');
      put(k, 'x');
      put_num(k, (UINT64)va_arg(ap, void *), 16, 0, 0, width, pad);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      int n = (int)rt_strlen(s);
      for (; n < width; n++) put(k, ' ');
      while (*s) put(k, *s++);
      break;
    }
    case 'c':
      put(k, (char)va_arg(ap, int));
      break;
    case '%':
      put(k, '%');
      break;
    case 0:
      return;
    default:
      put(k, '%');
      put(k, *fmt);
    }
  }
}

int rt_snprintf(char *buf, UINTN size, const char *fmt, ...) {
  struct sink k = {buf, size, 0};
  va_list ap;
  va_start(ap, fmt);
  format(&k, fmt, ap);
  va_end(ap);
  if (size) buf[k.len < size ? k.len : size - 1] = 0;
  return (int)k.len;
}

void rt_vprintf(const char *fmt, va_list ap) {
  char line[512];
  struct sink k = {line, sizeof line, 0};
  format(&k, fmt, ap);
  line[k.len < sizeof line ? k.len : sizeof line - 1] = 0;
  if (rt_serial_enabled || console_gone) rt_serial_puts(line);
  if (console_gone || !rt_st || !rt_st->ConOut) return;
  CHAR16 wide[sizeof line * 2 + 2];
  UINTN w = 0;
  for (const char *p = line; *p; p++) {
    if (*p == '\n') wide[w++] = L'\r';
    wide[w++] = (CHAR16)(unsigned char)*p;
  }
  wide[w] = 0;
  rt_st->ConOut->OutputString(rt_st->ConOut, wide);
}

void rt_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rt_vprintf(fmt, ap);
  va_end(ap);
}

const char *rt_status_name(EFI_STATUS s) {
  switch (s) {
  case EFI_SUCCESS: return "EFI_SUCCESS";
  case EFI_LOAD_ERROR: return "EFI_LOAD_ERROR";
  case EFI_INVALID_PARAMETER: return "EFI_INVALID_PARAMETER";
  case EFI_UNSUPPORTED: return "EFI_UNSUPPORTED";
  case EFI_BAD_BUFFER_SIZE: return "EFI_BAD_BUFFER_SIZE";
  case EFI_BUFFER_TOO_SMALL: return "EFI_BUFFER_TOO_SMALL";
  case EFI_NOT_READY: return "EFI_NOT_READY";
  case EFI_DEVICE_ERROR: return "EFI_DEVICE_ERROR";
  case EFI_WRITE_PROTECTED: return "EFI_WRITE_PROTECTED";
  case EFI_OUT_OF_RESOURCES: return "EFI_OUT_OF_RESOURCES";
  case EFI_NOT_FOUND: return "EFI_NOT_FOUND";
  case EFI_ACCESS_DENIED: return "EFI_ACCESS_DENIED";
  case EFI_TIMEOUT: return "EFI_TIMEOUT";
  case EFI_NOT_STARTED: return "EFI_NOT_STARTED";
  case EFI_ALREADY_STARTED: return "EFI_ALREADY_STARTED";
  case EFI_ABORTED: return "EFI_ABORTED";
  case EFI_END_OF_FILE: return "EFI_END_OF_FILE";
  default: {
    static char buf[24];
    rt_snprintf(buf, sizeof buf, "0x%lx", (UINT64)s);
    return buf;
  }
  }
}
