/*
 * Virtual-time counter ports answered in C (Java side: org.efiemu.core.clock.NativeClockPorts). The ACPI PM timer
 * (PM_TMR, a 24-bit counter at 3.579545 MHz of the machine's virtual time) is a pure function of the virtual clock;
 * GRUB's TSC calibration polls it ~180 000 times, and each IN answered by a JNA callback costs about a microsecond.
 *
 * This file's UC_HOOK_INSN IN hook is the engine's only IN hook (Unicorn 2.0.1's cpu_inb/w/l call the first IN hook
 * and return its value). A read wholly inside the served port range is answered here when the instruction count at
 * the IN instruction is known in C; every other read, and a served one whose position inside its block is not known
 * yet, goes to `fallback`: the JNA callback Java would have had as its IN hook (the machine's devices, unchanged).
 *
 * Which instruction: Unicorn 2.0.1 writes RIP back neither before an IN (its gen_check_io returns at once) nor at a
 * chained jump, so RIP in an IN hook does not say which instruction of the block runs. A translated block runs
 * straight through from its first instruction, so the k-th IN callback since the block was entered is the block's
 * k-th IN/INS instruction: every callback counts k in the block counter's state (in_blocks, in_k; the block counter's
 * `blocks` changes at every counted block entry) and marks the IN as in progress (in_active), so that a read handed
 * to Java is placed at the same instruction (BlockCounter.count()).
 *
 * The value equals Java's VirtualClock.nanos() -> AcpiPowerManagement at the same instruction:
 *   instructions = BlockCounter.count() = total - cur_icount + begun(k-th IN)   (total when cur_icount <= 1)
 *   cycles       = instructions * cpi + base   (base: host calls, RDTSC reads, advances; mirrored by VirtualClock)
 *   nanos        = (int64) ((double) cycles * (1e9 / frequencyHz))          (Java's long * double, truncated)
 *   ticks        = nanos / 1000 * hz / 1000000                              (Java's long arithmetic)
 *   value        = ((ticks & (2^bits - 1)) >> 8 * (port - first)) & (2^(8 * size) - 1)
 * begun(k-th IN) (found by Java with Capstone over the block's bytes) is learnt: the first read of the k-th IN of a
 * block goes to Java, which hands the count it used back (NativeClockPorts.learn); C keeps it with the block's start,
 * size, instruction count, k and bytes. A later read uses it when start, size, count and k are the same and either
 * the bytes are (read again with uc_mem_read and compared) or, with Debian's libunicorn2 2.0.1.post1 (checked:
 * build-id, symbols and code bytes), Unicorn has made, invalidated and flushed no translation since the bytes were
 * last compared (its TCG context's code_gen_ptr, tb_phys_invalidate_count and tb_ctx.tb_flush_count unchanged): then
 * the block running is one that existed, valid, when they were compared (new translations move code_gen_ptr; a guest
 * or uc_mem_write store into translated code, and efiemu's removeTranslations, invalidate; a flush counts), so its
 * bytes are still those. That spares the uc_mem_read (~20 ns, the larger part of a read's cost) in a polling loop.
 * The C path serves only while the block counter counts (counting = 1, state RUNNING) and a run is in progress.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unicorn_build.h"

typedef uint32_t (*cp_in_fn)(void *uc, uint32_t port, int size, void *user);
typedef int (*cp_mem_read_fn)(void *uc, uint64_t address, void *bytes, size_t size);

enum { CP_CACHE = 256, CP_BYTES = 4096 };

/* TranslationBlock (Unicorn 2.0.1; block_inline.c checks the build): pc, size, icount */
enum { CP_TB_PC = 0x0, CP_TB_SIZE = 0x14, CP_TB_ICOUNT = 0x16 };
/* the block counter's state (efiemu_gate.c's blockcount_t, int64 slots) */
enum { BC_TOTAL = 0, BC_CUR_ADDR = 2, BC_CUR_SIZE = 3, BC_CUR_ICOUNT = 4, BC_STATE = 5, BC_COUNTING = 6,
  BC_BLOCKS = 7, BC_IN_BLOCKS = 16, BC_IN_K = 17, BC_IN_ACTIVE = 18, BC_CUR_TB = 19 };

/* Debian libunicorn2 2.0.1.post1-1+b1: where the translation state is (checked in cp_tcg_known) */
enum { UC_TCG_CTX = 0x2c0, TCG_CODE_GEN_PTR = 0xc0, TCG_INVALIDATE_COUNT = 0xd8, TCG_FLUSH_COUNT = 0x98d0 };

/* Unicorn's translation state: unchanged = no translation made, invalidated or flushed in between */
typedef struct {
  uint64_t code_gen_ptr, invalidations;
  uint32_t flushes;
} cp_xlat_t;

typedef struct {
  int64_t addr, size, icount, k, begun;
  int stamped;      /* 1: xlat holds the translation state when the bytes were last found equal */
  cp_xlat_t xlat;
  uint8_t bytes[CP_BYTES]; /* the block's bytes when learnt */
} cp_entry_t;

/*
 * The position of the k-th IN of a translation counted inline (the block counter's cur_tb), by its TranslationBlock:
 * a TranslationBlock's memory is given to another translation only after Unicorn flushes its code buffer (code_gen_ptr
 * only grows until then), and the k-th IN callback since a translation was entered is always the same instruction of
 * it (a translated block runs straight from its first instruction); so while the flush count is the one of the entry,
 * the same TranslationBlock and k have the same position, whatever the bytes in memory are now (it is the translation
 * that runs). Filled from the entries checked against the block's bytes (cp_instructions).
 */
typedef struct {
  int64_t tb, k, icount, begun;
  uint32_t flushes;
} cp_tbpos_t;
enum { CP_TBPOS = 256 };

/* The first 88 bytes are shared with Java through a direct ByteBuffer (NativeClockPorts' offsets). */
typedef struct {
  int64_t base;       /*  0: cycles that are not instructions' (VirtualClock mirrors them) */
  int64_t running;    /*  8: 1 while a run is in progress (VirtualClock.beginRun .. endRun) */
  int64_t served;     /* 16: reads answered here (statistics) */
  int64_t handed;     /* 24: reads of a served port handed to Java (statistics) */
  int64_t recording;  /* 32: 1: every IN value is appended to rec (Machine.ioInListener) */
  int64_t rec_count;  /* 40 */
  int64_t learnt;     /* 48: positions learnt from Java (statistics) */
  int64_t cpi;        /* 56: cycles per instruction */
  double ns_per_cycle;/* 64: 1e9 / frequencyHz as Java computes it */
  int64_t enabled;    /* 72: 0: every read goes to Java */
  int64_t compared;   /* 80: served reads that read the block's bytes to compare them (statistics) */
  /* fixed at creation */
  int64_t *bc;        /* the block counter's state (BC_* slots) */
  cp_in_fn fallback;
  cp_mem_read_fn mem_read;
  int tcg_known;      /* 1: the translation state can be read (the known build) */
  uint32_t first, count, bits;
  int64_t hz;
  /* the served read handed to Java last, whose position Java tells (NativeClockPorts.learn) */
  int pending;
  cp_entry_t pend;
  int64_t pend_base; /* total - icount when it was handed over */
  uint32_t *rec;
  int64_t rec_cap;
  int64_t rec_lost; /* values not recorded for want of memory */
  cp_entry_t *cache; /* CP_CACHE entries, allocated when the first position is learnt (size 0: empty) */
  /*
   * The last read answered through the position table (cp_in_hook's fast path): its TranslationBlock, k, Unicorn's
   * flush count, the port and size, and delta = begun - icount (the count at the read is total + delta), with the
   * port's shift and mask. A polling loop reads the same IN of the same translation again and again: the next read
   * with the same five is that table entry's position without the hash and the table's compare (which stay the check
   * for any other read). `fast_tb` 0: none.
   */
  int64_t fast_tb, fast_k, fast_delta;
  uint32_t fast_flushes, fast_port;
  int fast_size;
  uint32_t fast_shift;
  uint64_t fast_mask; /* (2^bits - 1), then shifted by 8 * (port - first), the size's mask: applied by cp_fast_value */
  uint64_t fast_size_mask;
  /*
   * The fast path's ticks: every count in [tk_lo, tk_hi) reads tk_ticks while the base is tk_base (cp_ticks_fill).
   * Empty (tk_hi <= tk_lo) when not known.
   */
  int64_t tk_lo, tk_hi, tk_base, tk_ticks;
  cp_tbpos_t tbpos[CP_TBPOS]; /* positions by TranslationBlock: cp_tb_position */
} clockports_t;

/* a slot per (block, k) */
static inline size_t cp_slot(uint64_t addr, int64_t k) {
  uint64_t h = (uint64_t) k * 0x9E3779B97F4A7C15ULL ^ addr * 0xC2B2AE3D27D4EB4FULL;
  return (size_t) ((h >> 40) & (CP_CACHE - 1));
}

static inline void cp_xlat(void *uc, cp_xlat_t *x) {
  const char *tcg = *(const char *const *) ((const char *) uc + UC_TCG_CTX);
  x->code_gen_ptr = (uint64_t) *(void *const *) (tcg + TCG_CODE_GEN_PTR);
  x->invalidations = *(const uint64_t *) (tcg + TCG_INVALIDATE_COUNT);
  x->flushes = *(const uint32_t *) (tcg + TCG_FLUSH_COUNT);
}

static inline int cp_xlat_same(const cp_xlat_t *a, const cp_xlat_t *b) {
  return a->code_gen_ptr == b->code_gen_ptr && a->invalidations == b->invalidations && a->flushes == b->flushes;
}

/*
 * 1 when the library holding `any_function` is Debian's libunicorn2 2.0.1.post1-1+b1 with the translation state where
 * this file reads it: uc->tcg_ctx (+0x2c0), TCGContext.code_gen_ptr (+0xc0), tb_phys_invalidate_count (+0xd8),
 * tb_ctx.tb_flush_count (+0x98d0), seen in the machine code that uses them.
 */
static int cp_tcg_known(uintptr_t any_function) {
  Dl_info di;
  if (dladdr((void *) any_function, &di) == 0 || di.dli_fbase == NULL) return 0;
  uintptr_t base = (uintptr_t) di.dli_fbase;
  if (!efiemu_unicorn_build_known(base)) return 0;
  void *lib = dlopen(di.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  if (lib == NULL) return 0;
  static const struct { const char *name; uintptr_t off; } syms[] = {
      {"tcg_tb_phys_invalidate_count_x86_64", 0x3e33d0}, {"tb_flush_x86_64", 0x4002f0},
      {"uc_add_inline_hook_x86_64", 0x3e9280}, {"tcg_tb_alloc_x86_64", 0x3e6780}};
  int ok = 1;
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *f = dlsym(lib, syms[i].name);
    if (f == NULL || (uintptr_t) f != base + syms[i].off) ok = 0;
  }
  dlclose(lib); /* RTLD_NOLOAD: drops only the reference just taken */
  if (!ok) return 0;
  static const struct { uint32_t off; uint8_t len; uint8_t bytes[7]; } code[] = {
      {0x3e33d0, 7, {0x48, 0x8b, 0x87, 0xd8, 0x00, 0x00, 0x00}}, /* tcg_tb_phys_invalidate_count: mov 0xd8(%rdi) */
      {0x400389, 7, {0x48, 0x8b, 0x80, 0xc0, 0x02, 0x00, 0x00}}, /* tb_flush: uc->tcg_ctx (+0x2c0) */
      {0x400390, 7, {0x83, 0x80, 0xd0, 0x98, 0x00, 0x00, 0x01}}, /* tb_flush: tb_ctx.tb_flush_count += 1 (+0x98d0) */
      {0x3e92b6, 7, {0x4d, 0x8b, 0xb4, 0x24, 0xc0, 0x02, 0x00}}, /* uc_add_inline_hook: uc->tcg_ctx (+0x2c0) */
      {0x3e67a6, 7, {0x48, 0x8b, 0x87, 0xc0, 0x00, 0x00, 0x00}}, /* tcg_tb_alloc: s->code_gen_ptr (+0xc0) */
  };
  for (size_t i = 0; i < sizeof code / sizeof code[0]; i++) {
    if (memcmp((const void *) (base + code[i].off), code[i].bytes, code[i].len) != 0) return 0;
  }
  return 1;
}

static inline void cp_tb_position(cp_tbpos_t *q, const char *tb, int64_t k, int64_t icount, int64_t begun,
    uint32_t flushes) {
  q->tb = (int64_t) (intptr_t) tb;
  q->k = k;
  q->icount = icount;
  q->begun = begun;
  q->flushes = flushes;
}

/*
 * cp_tcg_known's answer for the last library asked about: the check (dladdr, dlopen, four dlsym, the build-id notes of
 * every loaded object) costs as much as a small service call, and a hunt makes a machine, so a clock-ports state,
 * hundreds of times a second; a loaded library's code does not change (JNA never unloads libunicorn), so the answer for
 * one function address holds for the process.
 */
static pthread_mutex_t cp_known_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t cp_known_function; /* 0: nothing asked yet */
static int cp_known_answer;

static int cp_tcg_known_cached(uintptr_t any_function) {
  pthread_mutex_lock(&cp_known_lock);
  if (any_function == 0 || any_function != cp_known_function) {
    cp_known_answer = cp_tcg_known(any_function);
    cp_known_function = any_function;
  }
  int known = cp_known_answer;
  pthread_mutex_unlock(&cp_known_lock);
  return known;
}

/* The instruction count Java's BlockCounter.count() gives at the k-th IN of the block now, or 0 (unknown: Java). */
static int cp_instructions(void *uc, clockports_t *p, int64_t k, int64_t *out) {
  const int64_t *bc = p->bc;
  if (bc[BC_COUNTING] != 1 || bc[BC_STATE] != 0) return 0; /* a budget's partial block (Java counts it) or a stop */
  int64_t total = bc[BC_TOTAL], addr, icount, size;
  const char *tb = (const char *) (intptr_t) bc[BC_CUR_TB];
  cp_tbpos_t *q = NULL;
  uint32_t flushes = 0;
  if (tb != NULL) {
    /* counted by the inline ops: the block's start, size and count are its TranslationBlock's (efiemu_gate.c) */
    uint16_t s16, i16;
    memcpy(&i16, tb + CP_TB_ICOUNT, sizeof i16);
    icount = i16;
    if (icount <= 1) {
      *out = total;
      return 1;
    }
    if (p->tcg_known) {
      const char *tcg = *(const char *const *) ((const char *) uc + UC_TCG_CTX);
      flushes = *(const uint32_t *) (tcg + TCG_FLUSH_COUNT);
      q = &p->tbpos[cp_slot((uint64_t) (uintptr_t) tb, k)];
      if (q->tb == (int64_t) (intptr_t) tb && q->k == k && q->flushes == flushes) {
        *out = total - icount + q->begun;
        p->fast_tb = (int64_t) (intptr_t) tb; /* cp_in_hook's fast path for the next read of this IN */
        p->fast_k = k;
        p->fast_flushes = flushes;
        p->fast_delta = q->begun - icount;
        return 2;
      }
    }
    memcpy(&addr, tb + CP_TB_PC, sizeof addr);
    memcpy(&s16, tb + CP_TB_SIZE, sizeof s16);
    size = s16;
  } else {
    addr = bc[BC_CUR_ADDR];
    icount = bc[BC_CUR_ICOUNT];
    /* cur_size's low half only: the slot way's inline ops store it as 32 bits (its high half is always 0), and a
       wider load of what a narrower store just wrote cannot be forwarded from the store buffer */
    uint32_t size32;
    memcpy(&size32, &bc[BC_CUR_SIZE], sizeof size32);
    size = size32;
  }
  if (icount <= 1) {
    *out = total;
    return 1;
  }
  if (size <= 0 || size > CP_BYTES) return 0;
  cp_xlat_t now_x;
  if (p->tcg_known) cp_xlat(uc, &now_x);
  cp_entry_t *e = p->cache != NULL ? &p->cache[cp_slot((uint64_t) addr, k)] : NULL;
  int same = e != NULL && e->addr == addr && e->size == size && e->icount == icount && e->k == k;
  if (same && p->tcg_known && e->stamped && cp_xlat_same(&e->xlat, &now_x)) {
    if (q != NULL) cp_tb_position(q, tb, k, icount, e->begun, flushes);
    *out = total - icount + e->begun;
    return 1;
  }
  uint8_t *now = p->pend.bytes;
  if (p->mem_read(uc, (uint64_t) addr, now, (size_t) size) != 0) return 0;
  p->compared++;
  if (same && memcmp(e->bytes, now, (size_t) size) == 0) {
    e->stamped = p->tcg_known;
    if (p->tcg_known) e->xlat = now_x;
    if (q != NULL) cp_tb_position(q, tb, k, icount, e->begun, flushes);
    *out = total - icount + e->begun;
    return 1;
  }
  /* not known: Java answers, and tells the count it used (learn) */
  p->pending = 1;
  p->pend.addr = addr;
  p->pend.size = size;
  p->pend.icount = icount;
  p->pend.k = k;
  p->pend.begun = 0;
  p->pend.stamped = p->tcg_known;
  if (p->tcg_known) p->pend.xlat = now_x;
  p->pend_base = total - icount;
  return 0;
}

static inline int64_t cp_ticks(const clockports_t *p, int64_t instructions) {
  int64_t cycles = (int64_t) ((uint64_t) instructions * (uint64_t) p->cpi + (uint64_t) p->base);
  int64_t nanos = (int64_t) ((double) cycles * p->ns_per_cycle);
  return (int64_t) ((uint64_t) (nanos / 1000) * (uint64_t) p->hz) / 1000000;
}

/* nanos as Java's VirtualClock.nanos() computes it from cycles: (long) (cycles * (1e9 / frequencyHz)) */
static inline int64_t cp_nanos(const clockports_t *p, int64_t cycles) {
  return (int64_t) ((double) cycles * p->ns_per_cycle);
}

/*
 * cp_ticks(p, n), and the range of counts around n that read the same ticks, kept for cp_in_hook's fast path: a
 * polling loop reads the PM timer ~50 times per tick, and the value's chain (int -> double, multiply, double -> int,
 * two divisions by constants, a multiplication) is most of the hook's time. Exact: ticks is non-decreasing in the
 * count (cycles = n * cpi + base grows with n; the double conversion and multiplication by a positive constant and
 * the truncations are monotonic), so with T = ticks(n) every count from n up to the first count whose ticks reach
 * T + 1 reads T. That count: ticks >= T + 1 <=> floor(nanos / 1000) * hz >= (T + 1) * 10^6 <=> nanos >= 1000 * U with
 * U = ceil((T + 1) * 10^6 / hz); the smallest cycles with cp_nanos >= 1000 * U is found from the double inverse and
 * checked with cp_nanos itself on both sides; then the count is ceil((cycles - base) / cpi). Not kept outside the
 * ranges where that holds (a count or cycles below 0, cpi 0, values so large that the products could wrap).
 */
static __attribute__((noinline)) int64_t cp_ticks_fill(clockports_t *p, int64_t n) {
  int64_t t = cp_ticks(p, n);
  p->tk_hi = p->tk_lo; /* empty until filled */
  int64_t cycles = (int64_t) ((uint64_t) n * (uint64_t) p->cpi + (uint64_t) p->base);
  const int64_t LIM = (int64_t) 1 << 52;
  if (n < 0 || p->cpi <= 0 || p->base < 0 || cycles < 0 || cycles >= LIM || t < 0 || p->hz <= 0
      || !(p->ns_per_cycle > 0) || (t + 1) >= LIM / 1000000 || p->hz >= LIM) {
    return t;
  }
  uint64_t need = (uint64_t) (t + 1) * 1000000u;
  uint64_t u = need / (uint64_t) p->hz + (need % (uint64_t) p->hz != 0);
  if (u >= (uint64_t) (LIM / 1000)) return t;
  int64_t target = (int64_t) u * 1000; /* the first nanos whose ticks are T + 1 or more */
  double guess = (double) target / p->ns_per_cycle;
  if (!(guess >= 0) || guess >= (double) LIM) return t;
  int64_t c = (int64_t) guess;
  int steps = 0;
  while (c > 0 && cp_nanos(p, c - 1) >= target) {
    if (++steps > 64) return t;
    c--;
  }
  while (cp_nanos(p, c) < target) {
    if (++steps > 64 || c >= LIM) return t;
    c++;
  }
  if (c <= cycles) return t; /* cannot be (ticks(n) = T): keep nothing */
  int64_t hi = (c - p->base + p->cpi - 1) / p->cpi;
  if (hi <= n) return t;
  p->tk_lo = n;
  p->tk_hi = hi;
  p->tk_base = p->base;
  p->tk_ticks = t;
  return t;
}

static uint32_t cp_value(clockports_t *p, int64_t instructions, uint32_t port, int size) {
  int64_t ticks = cp_ticks(p, instructions);
  uint64_t v = (uint64_t) ticks & (p->bits >= 64 ? ~0ULL : ((1ULL << p->bits) - 1));
  v >>= 8 * (port - p->first);
  return (uint32_t) (size >= 4 ? v : v & ((1ULL << (8 * size)) - 1));
}

static __attribute__((noinline)) void cp_record_grow(clockports_t *p, uint32_t v);

/* Appends v to the recorded values (inline: every read of a recorded stretch comes here). */
static inline void cp_record(clockports_t *p, uint32_t v) {
  if (__builtin_expect(p->rec_count < p->rec_cap, 1)) {
    p->rec[p->rec_count++] = v;
    return;
  }
  cp_record_grow(p, v);
}

static void cp_record_grow(clockports_t *p, uint32_t v) {
  if (p->rec_count == p->rec_cap) {
    int64_t cap = p->rec_cap == 0 ? 4096 : 2 * p->rec_cap;
    uint32_t *n = realloc(p->rec, sizeof(uint32_t) * (size_t) cap);
    if (n == NULL) {
      p->rec_lost++; /* NativeClockPorts.drain reports the loss */
      return;
    }
    p->rec = n;
    p->rec_cap = cap;
  }
  p->rec[p->rec_count++] = v;
}

/* Every read that does not take cp_in_hook's fast path. */
static __attribute__((noinline)) uint32_t cp_in_slow(void *uc, clockports_t *p, uint32_t port, int size, int64_t k) {
  int64_t *bc = p->bc;
  uint32_t v;
  int64_t n;
  int how;
  p->pending = 0;
  p->fast_tb = 0;
  int mine = p->enabled && p->running && port >= p->first && port + (uint32_t) size <= p->first + p->count;
  if (mine && (how = cp_instructions(uc, p, k, &n)) != 0) {
    v = cp_value(p, n, port, size);
    p->served++;
    if (how == 2) { /* the position table's hit: cp_in_hook's fast path for the same IN, port and size */
      uint32_t shift = 8 * (port - p->first);
      p->fast_port = port;
      p->fast_size = size;
      p->fast_shift = shift;
      p->fast_mask = (p->bits >= 64 ? ~0ULL : ((1ULL << p->bits) - 1)) >> shift;
      p->fast_size_mask = size >= 4 ? 0xFFFFFFFFULL : (1ULL << (8 * size)) - 1;
    } else {
      p->fast_tb = 0;
    }
  } else {
    if (mine) p->handed++;
    bc[BC_IN_ACTIVE] = 1; /* Java's BlockCounter.count() places this read at the k-th IN (nothing else reads it) */
    v = p->fallback(uc, port, size, NULL);
    bc[BC_IN_ACTIVE] = 0;
    p->pending = 0;
  }
  if (p->recording) cp_record(p, v);
  return v;
}

/*
 * uc_cb_insn_in_t. The fast path is the read that repeats the last one answered through the position table (same
 * TranslationBlock, k, flush count, port and size) while the block counter counts, a run is in progress and the ports
 * are served: cp_instructions would find the same table entry (nothing else it checks can differ: enabled, running,
 * counting and state are checked here, cur_tb's icount is the TranslationBlock's own), so the count is total + delta,
 * and cp_value's result is ((ticks & (2^bits - 1)) >> shift) & size mask, the same arithmetic with the shift and
 * masks kept.
 */
static uint32_t cp_in_hook(void *uc, uint32_t port, int size, void *user) {
  clockports_t *p = (clockports_t *) user;
  int64_t *bc = p->bc;
  /* which IN of the running block this is (the block counter's `blocks` moves at every counted block entry) */
  int64_t k;
  if (bc[BC_IN_BLOCKS] != bc[BC_BLOCKS]) {
    bc[BC_IN_BLOCKS] = bc[BC_BLOCKS];
    k = bc[BC_IN_K] = 1;
  } else {
    k = ++bc[BC_IN_K];
  }
  int64_t tb = bc[BC_CUR_TB];
  if (__builtin_expect(tb == p->fast_tb && tb != 0 && k == p->fast_k && port == p->fast_port && size == p->fast_size
                           && ((bc[BC_COUNTING] ^ 1) | bc[BC_STATE]) == 0 && p->running && p->enabled, 1)) {
    const char *tcg = *(const char *const *) ((const char *) uc + UC_TCG_CTX);
    if (__builtin_expect(*(const uint32_t *) (tcg + TCG_FLUSH_COUNT) == p->fast_flushes, 1)) {
      int64_t n = bc[BC_TOTAL] + p->fast_delta;
      uint64_t ticks = (uint64_t) (n >= p->tk_lo && n < p->tk_hi && p->base == p->tk_base ? p->tk_ticks
                                                                                             : cp_ticks_fill(p, n));
      uint32_t v = (uint32_t) (((ticks >> p->fast_shift) & p->fast_mask) & p->fast_size_mask);
      p->served++;
      if (p->recording) cp_record(p, v);
      return v;
    }
  }
  return cp_in_slow(uc, p, port, size, k);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeClockPorts_create(JNIEnv *env, jclass cls, jlong blockCounter,
    jlong fallback, jlong memRead) {
  (void) env;
  (void) cls;
  clockports_t *p = calloc(1, sizeof(clockports_t));
  if (p == NULL) return 0;
  p->bc = (int64_t *) (intptr_t) blockCounter;
  p->fallback = (cp_in_fn) (intptr_t) fallback;
  p->mem_read = (cp_mem_read_fn) (intptr_t) memRead;
  p->tcg_known = cp_tcg_known_cached((uintptr_t) memRead);
  p->enabled = 0; /* no ports until configure */
  return (jlong) (intptr_t) p;
}

/* 1 when unchanged translations spare the byte comparison (the known Unicorn build); statistics and tests. */
JNIEXPORT jboolean JNICALL Java_org_efiemu_core_clock_NativeClockPorts_translationStateKnown(JNIEnv *env, jclass cls,
    jlong handle) {
  (void) env;
  (void) cls;
  return ((clockports_t *) (intptr_t) handle)->tcg_known ? JNI_TRUE : JNI_FALSE;
}

/* The counter's ports [first, first + count), bits wide, at hz Hz of virtual time; from now on served here. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeClockPorts_configure(JNIEnv *env, jclass cls, jlong handle,
    jint first, jint count, jint bits, jlong hz) {
  (void) env;
  (void) cls;
  clockports_t *p = (clockports_t *) (intptr_t) handle;
  p->first = (uint32_t) first;
  p->count = (uint32_t) count;
  p->bits = (uint32_t) bits;
  p->hz = hz;
  p->fast_tb = 0; /* the fast path's port, shift and masks are the old ports' */
  p->tk_hi = p->tk_lo; /* and its ticks those of the old frequency */
  p->enabled = 1;
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_clock_NativeClockPorts_state(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) handle, 88);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeClockPorts_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &cp_in_hook;
}

/* Java answered the pending read at `instructions` (BlockCounter.count()): remember the k-th IN's position. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeClockPorts_learn(JNIEnv *env, jclass cls, jlong handle,
    jlong instructions) {
  (void) env;
  (void) cls;
  clockports_t *p = (clockports_t *) (intptr_t) handle;
  if (!p->pending) return;
  p->pending = 0;
  int64_t begun = instructions - p->pend_base;
  if (begun < 1 || begun > p->pend.icount) return; /* not a position inside that block: never used */
  if (p->cache == NULL) p->cache = calloc(CP_CACHE, sizeof(cp_entry_t));
  if (p->cache == NULL) return;
  cp_entry_t *e = &p->cache[cp_slot((uint64_t) p->pend.addr, p->pend.k)];
  e->addr = p->pend.addr;
  e->size = p->pend.size;
  e->icount = p->pend.icount;
  e->k = p->pend.k;
  e->begun = begun;
  e->stamped = p->pend.stamped;
  e->xlat = p->pend.xlat;
  memcpy(e->bytes, p->pend.bytes, (size_t) p->pend.size);
  p->learnt++;
}

/*
 * Room for `count` recorded values, made and touched now (recording starts: Machine.ioInListener), so that the guest
 * code recorded next does not pay for growing the buffer and faulting its pages in: GRUB's TSC calibration reads the
 * PM timer ~182 000 times, 0.7 MiB of values grown in 6 doublings and ~180 page faults inside the stretch a bench
 * times. Fails quietly (cp_record grows the buffer as before).
 */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeClockPorts_reserve(JNIEnv *env, jclass cls, jlong handle,
    jlong count) {
  (void) env;
  (void) cls;
  clockports_t *p = (clockports_t *) (intptr_t) handle;
  if (count <= p->rec_cap) return;
  uint32_t *n = realloc(p->rec, sizeof(uint32_t) * (size_t) count);
  if (n == NULL) return;
  memset(n + p->rec_cap, 0, sizeof(uint32_t) * (size_t) (count - p->rec_cap));
  p->rec = n;
  p->rec_cap = count;
}

/* The recorded IN values (and forgets them); NULL when some could not be recorded (no memory). */
JNIEXPORT jintArray JNICALL Java_org_efiemu_core_clock_NativeClockPorts_drain(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  clockports_t *p = (clockports_t *) (intptr_t) handle;
  jsize n = (jsize) p->rec_count;
  if (p->rec_lost != 0) {
    p->rec_lost = 0;
    p->rec_count = 0;
    return NULL;
  }
  jintArray a = (*env)->NewIntArray(env, n);
  if (a != NULL && n > 0) (*env)->SetIntArrayRegion(env, a, 0, n, (const jint *) p->rec);
  p->rec_count = 0;
  return a;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeClockPorts_destroy(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  clockports_t *p = (clockports_t *) (intptr_t) handle;
  if (p == NULL) return;
  free(p->rec);
  free(p->cache);
  free(p);
}
