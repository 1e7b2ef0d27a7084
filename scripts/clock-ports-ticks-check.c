/*
 * Exactness check of clock_ports.c's tick ranges (cp_ticks_fill, the PM-timer IN hook's fast path; docs/performance.md
 * "RDTSC sites hooked and answered in C; the IN hook's cost"): for random clock settings (cycles per instruction, base
 * cycles, TSC frequency, counter frequency) and instruction counts, the range [tk_lo, tk_hi) cp_ticks_fill keeps must
 * read the same ticks as cp_ticks computes at its ends and at a random count inside, and the count tk_hi must read more.
 * Not part of the build (it includes the C file itself to reach its static functions):
 *
 *   gcc -O2 -std=gnu11 -I$JAVA_HOME/include -I$JAVA_HOME/include/linux -Iemulator-core/src/main/native \
 *       -o /tmp/clock-ports-ticks-check scripts/clock-ports-ticks-check.c emulator-core/src/main/native/unicorn_build.c \
 *       -ldl -lpthread && /tmp/clock-ports-ticks-check
 */
#include "../emulator-core/src/main/native/clock_ports.c"
#include <stdio.h>
static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
int main(void) {
  static clockports_t p;
  long bad = 0, filled = 0, tried = 0;
  for (int it = 0; it < 2000000; it++) {
    memset(&p, 0, sizeof p);
    p.cpi = 1 + rnd() % 4;
    long freqs[] = {2000000000L, 2500000000L, 3000000000L, 1000000000L, 2400000000L, 3579545L * 700, 1234567891L};
    long f = freqs[rnd() % 7];
    p.ns_per_cycle = 1e9 / (double) f;
    p.hz = (rnd() % 4 == 0) ? (int64_t) (1 + rnd() % 100000000) : 3579545;
    p.base = (int64_t) (rnd() % (1ULL << (rnd() % 40)));
    int64_t n = (int64_t) (rnd() % (1ULL << (rnd() % 44)));
    tried++;
    int64_t t = cp_ticks_fill(&p, n);
    if (t != cp_ticks(&p, n)) bad++;
    if (p.tk_hi <= p.tk_lo) continue;
    filled++;
    int64_t lo = p.tk_lo, hi = p.tk_hi;
    if (cp_ticks(&p, hi - 1) != t || cp_ticks(&p, hi) <= t || cp_ticks(&p, lo) != t) { bad++; if (bad < 5) printf("bad n=%ld lo=%ld hi=%ld t=%ld t(hi-1)=%ld t(hi)=%ld\n", (long) n, (long) lo, (long) hi, (long) t, (long) cp_ticks(&p, hi-1), (long) cp_ticks(&p, hi)); }
    int64_t m = lo + (int64_t) (rnd() % (uint64_t) (hi - lo));
    if (cp_ticks(&p, m) != t) bad++;
  }
  printf("tried %ld filled %ld bad %ld\n", tried, filled, bad);
  return bad != 0;
}
