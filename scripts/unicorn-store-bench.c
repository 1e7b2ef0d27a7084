/*
 * Raw Unicorn micro-bench (issue 16, "GRUB -> Xen at engine speed" in docs/performance.md): how fast does the
 * Unicorn library itself run a guest loop that stores, against the same loop that loads? No efiemu, no hooks.
 *
 *   gcc -O2 -o unicorn-store-bench scripts/unicorn-store-bench.c -ldl
 *   ./unicorn-store-bench [LIBRARY] [ITERATIONS]      (LIBRARY default: libunicorn.so.2)
 *
 * The loop (x86-64, 5 instructions, one translated block per iteration, chained):
 *   L: mov [rdi+rdx], al   (or mov al, [rdi+rdx])
 *      inc edx; and edx, 0xFFFFF; dec rcx; jnz L
 * runs over a 1 MiB buffer that is either in the code's own RWX region, or in a separate region mapped without
 * UC_PROT_EXEC. It prints guest instructions per CPU second for each case. The library is opened with dlopen so the
 * same binary measures any build (e.g. Debian's 2.0.1 and a 2.1.x built from source).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void uc_engine;
typedef int (*open_fn)(int arch, int mode, uc_engine **uc);
typedef int (*map_fn)(uc_engine *uc, uint64_t address, size_t size, uint32_t perms);
typedef int (*write_fn)(uc_engine *uc, uint64_t address, const void *bytes, size_t size);
typedef int (*start_fn)(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);
typedef int (*close_fn)(uc_engine *uc);
typedef const char *(*strerror_fn)(int err);
typedef unsigned int (*version_fn)(unsigned int *major, unsigned int *minor);

enum { UC_ARCH_X86 = 4, UC_MODE_64 = 8, UC_PROT_READ = 1, UC_PROT_WRITE = 2, UC_PROT_ALL = 7 };

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *sym(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (p == NULL) {
    fprintf(stderr, "unicorn-store-bench: %s: no symbol %s\n", dlerror(), name);
    exit(3);
  }
  return p;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "libunicorn.so.2";
  uint64_t iterations = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000ULL;
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "unicorn-store-bench: cannot open %s: %s\n", path, dlerror());
    return 3;
  }
  open_fn uc_open = (open_fn) sym(lib, "uc_open");
  map_fn uc_mem_map = (map_fn) sym(lib, "uc_mem_map");
  write_fn uc_mem_write = (write_fn) sym(lib, "uc_mem_write");
  start_fn uc_emu_start = (start_fn) sym(lib, "uc_emu_start");
  close_fn uc_close = (close_fn) sym(lib, "uc_close");
  strerror_fn uc_strerror = (strerror_fn) sym(lib, "uc_strerror");
  version_fn uc_version = (version_fn) sym(lib, "uc_version");
  unsigned major, minor;
  unsigned v = uc_version(&major, &minor);
  printf("library %s: Unicorn %u.%u (0x%08x), %llu iterations x 5 instructions\n", path, major, minor, v,
      (unsigned long long) iterations);

  const uint64_t code = 0x100000, shared = 0x200000, separate = 0x1000000;
  for (int store = 1; store >= 0; store--) {
    for (int sep = 0; sep <= 1; sep++) {
      uc_engine *uc;
      int err = uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
      if (err) {
        fprintf(stderr, "uc_open: %s\n", uc_strerror(err));
        return 3;
      }
      uc_mem_map(uc, code, 0x200000, UC_PROT_ALL); /* code page + the shared buffer at 0x200000..0x2FFFFF */
      uc_mem_map(uc, code + 0x200000, 0x100000, UC_PROT_ALL);
      if (sep) uc_mem_map(uc, separate, 0x100000, UC_PROT_READ | UC_PROT_WRITE);
      uint64_t buffer = sep ? separate : shared;
      uint8_t prog[64];
      size_t n = 0;
      prog[n++] = 0x48; prog[n++] = 0xBF; memcpy(prog + n, &buffer, 8); n += 8;       /* mov rdi, buffer */
      prog[n++] = 0x48; prog[n++] = 0xB9; memcpy(prog + n, &iterations, 8); n += 8;   /* mov rcx, iterations */
      prog[n++] = 0x31; prog[n++] = 0xD2;                                             /* xor edx, edx */
      size_t loop = n;
      prog[n++] = store ? 0x88 : 0x8A; prog[n++] = 0x04; prog[n++] = 0x17;           /* mov [rdi+rdx], al / mov al, [rdi+rdx] */
      prog[n++] = 0xFF; prog[n++] = 0xC2;                                             /* inc edx */
      prog[n++] = 0x81; prog[n++] = 0xE2; prog[n++] = 0xFF; prog[n++] = 0xFF; prog[n++] = 0x0F; prog[n++] = 0x00; /* and edx, 0xFFFFF */
      prog[n++] = 0x48; prog[n++] = 0xFF; prog[n++] = 0xC9;                           /* dec rcx */
      prog[n++] = 0x75; prog[n] = (uint8_t) (loop - (n + 1)); n++;                    /* jnz loop */
      uc_mem_write(uc, code, prog, n);
      double t0 = cpu_seconds();
      err = uc_emu_start(uc, code, code + n, 0, 0);
      double t = cpu_seconds() - t0;
      if (err) {
        fprintf(stderr, "uc_emu_start: %s\n", uc_strerror(err));
        return 3;
      }
      double instr = 3.0 + 5.0 * (double) iterations;
      printf("%-5s to a buffer %-38s %7.2f s CPU  %8.1f M instructions/s\n", store ? "store" : "load",
          sep ? "in a separate region without EXEC:" : "in the code's own RWX region:", t, instr / t / 1e6);
      uc_close(uc);
    }
  }
  return 0;
}
