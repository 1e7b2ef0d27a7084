/*
 * Raw Unicorn side of org.efiemu.core.bench.PmTimerLoopBench (emulator-core tests): GRUB 2.06's PM-timer polling
 * loop (grub_pmtimer_wait_count_tsc; 11 instructions, 3 blocks a round), 2^24 rounds on a bare Unicorn engine
 * (uc_open, one page mapped, no paging) whose one UC_HOOK_INSN IN hook hands out values from an array (as
 * `bench raw`'s replay does); thread CPU per round.
 *
 *   gcc -O2 -o /tmp/pm-timer-loop-raw scripts/pm-timer-loop-raw.c /usr/lib/x86_64-linux-gnu/libunicorn.so.2
 *   /tmp/pm-timer-loop-raw [in|noin] [block]     (noin: the IN replaced by a NOP; block: plus an empty C block hook)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void uc_engine;
typedef size_t uc_hook;
int uc_open(int arch, int mode, uc_engine **uc);
int uc_close(uc_engine *uc);
int uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms);
int uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size);
int uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);
int uc_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end,
    ...);
enum { UC_ARCH_X86 = 4, UC_MODE_64 = 8, UC_HOOK_INSN = 2, UC_HOOK_BLOCK = 8, UC_X86_INS_IN = 218 };

static uint32_t *vals;
static uint64_t next;

static uint32_t in_hook(uc_engine *uc, uint32_t port, int size, void *user) {
  (void) uc, (void) port, (void) size, (void) user;
  return vals[next++];
}

static void block_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  (void) uc, (void) address, (void) size;
  ++*(uint64_t *) user;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int hex(char c) {
  return c <= '9' ? c - '0' : c - 'a' + 10;
}

int main(int argc, char **argv) {
  int in = !(argc > 1 && strcmp(argv[1], "noin") == 0);
  int block = argc > 2 && strcmp(argv[2], "block") == 0;
  /* PmTimerLoopBench.code(in) */
  char code[512];
  snprintf(code, sizeof code, "%s%s%s", "41ba08060000" "41b900000000" "bfffffffff" "4531c0" "4489d2", in ? "ed" : "90",
      "25ffffff00" "4439c8" "7305" "0d00000001" "41ffc0" "39f8" "7217" "31c0" "0fa2" "0f31" "89c0" "48c1e220" "4809c2"
      "4889d0" "4829f0" "eb0a" "4489c0" "25ffffff00" "75c5" "f4");
  uint8_t b[256];
  size_t n = strlen(code) / 2;
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t) (hex(code[2 * i]) * 16 + hex(code[2 * i + 1]));
  vals = malloc(sizeof(uint32_t) * ((1u << 24) + 64));
  if (vals == NULL) return 1;
  for (uint32_t i = 0; i < (1u << 24) + 64; i++) vals[i] = i / 7;
  for (int r = 0; r < 3; r++) {
    uc_engine *uc;
    uc_hook h1, h2;
    uint64_t blocks = 0;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != 0) return 1;
    uc_mem_map(uc, 0x200000, 0x1000, 7);
    uc_mem_write(uc, 0x200000, b, n);
    uc_hook_add(uc, &h1, UC_HOOK_INSN, (void *) in_hook, NULL, 1, 0, UC_X86_INS_IN);
    if (block) uc_hook_add(uc, &h2, UC_HOOK_BLOCK, (void *) block_hook, &blocks, 1, 0);
    next = 0;
    double t0 = cpu_now();
    uc_emu_start(uc, 0x200000, 0x200000 + n - 1, 0, 0);
    double t1 = cpu_now();
    printf("raw %s%s: %.1f ms thread CPU, %.2f ns/round, %lu IN values\n", in ? "in" : "noin",
        block ? " + C block hook" : "", (t1 - t0) * 1e3, (t1 - t0) * 1e9 / (1 << 24), (unsigned long) next);
    uc_close(uc);
  }
  return 0;
}
