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
 * The value equals Java's VirtualClock.nanos() -> AcpiPowerManagement at the same instruction:
 *   instructions = BlockCounter.count() = total - cur_icount + begun(RIP)   (total when cur_icount <= 1)
 *   cycles       = instructions * cpi + base   (base: host calls, RDTSC reads, advances; mirrored by VirtualClock)
 *   nanos        = (int64) ((double) cycles * (1e9 / frequencyHz))          (Java's long * double, truncated)
 *   ticks        = nanos / 1000 * hz / 1000000                              (Java's long arithmetic)
 *   value        = ((ticks & (2^bits - 1)) >> 8 * (port - first)) & (2^(8 * size) - 1)
 * begun(RIP) (instructions of the current block begun, found by Java with Capstone) is learnt from Java: the first
 * read at a given RIP of a given block goes to Java, which hands the count it used back (NativeClockPorts.learn);
 * later reads there use it when the block's start, size, instruction count and bytes (read again with uc_mem_read and
 * compared) are the same. RIP at the block's start or outside the block needs no learning (Java's rules).
 * The C path serves only while the block counter counts (counting = 1, state RUNNING) and a run is in progress.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t (*cp_in_fn)(void *uc, uint32_t port, int size, void *user);
typedef int (*cp_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*cp_mem_read_fn)(void *uc, uint64_t address, void *bytes, size_t size);

enum { CP_CACHE = 256, CP_BYTES = 256 };

typedef struct {
  int64_t addr, size, icount, rip, begun;
  uint8_t bytes[CP_BYTES]; /* the block's bytes when learnt */
} cp_entry_t;

/* The first 80 bytes are shared with Java through a direct ByteBuffer (NativeClockPorts' offsets). */
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
  /* fixed at creation */
  const int64_t *bc;  /* the block counter's state: total 0, cur_addr 16, cur_size 24, cur_icount 32, state 40,
                         counting 48 (efiemu_gate.c's blockcount_t) */
  cp_in_fn fallback;
  cp_reg_read_fn reg_read;
  cp_mem_read_fn mem_read;
  int rip_id;
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
} clockports_t;

/* a slot per (block, RIP): the same IN instruction can end blocks that start at different places */
static inline size_t cp_slot(uint64_t addr, uint64_t rip) {
  uint64_t h = (rip - addr) * 0x9E3779B97F4A7C15ULL ^ addr * 0xC2B2AE3D27D4EB4FULL;
  return (size_t) ((h >> 40) & (CP_CACHE - 1));
}

/* The instruction count Java's BlockCounter.count() gives now, or 0 (unknown: hand the read to Java). */
static int cp_instructions(void *uc, clockports_t *p, int64_t *out) {
  const int64_t *bc = p->bc;
  if (bc[6] != 1 || bc[5] != 0) return 0; /* a budget's partial block (Java counts it) or a stop in progress */
  int64_t total = bc[0], addr = bc[2], size = bc[3], icount = bc[4];
  if (icount <= 1) {
    *out = total;
    return 1;
  }
  uint64_t rip = 0;
  if (p->reg_read(uc, p->rip_id, &rip) != 0) return 0;
  if ((int64_t) rip == addr) {
    *out = total - icount + 1;
    return 1;
  }
  uint64_t off = rip - (uint64_t) addr;
  if (off >= (uint64_t) size) {
    *out = total; /* outside the block: it ran to its end */
    return 1;
  }
  if (size > CP_BYTES) return 0;
  uint8_t now[CP_BYTES];
  if (p->mem_read(uc, (uint64_t) addr, now, (size_t) size) != 0) return 0;
  cp_entry_t *e = p->cache != NULL ? &p->cache[cp_slot((uint64_t) addr, rip)] : NULL;
  if (e != NULL && e->rip == (int64_t) rip && e->addr == addr && e->size == size && e->icount == icount
      && memcmp(e->bytes, now, (size_t) size) == 0) {
    *out = total - icount + e->begun;
    return 1;
  }
  /* not known: Java answers, and tells the count it used (learn) */
  p->pending = 1;
  p->pend.addr = addr;
  p->pend.size = size;
  p->pend.icount = icount;
  p->pend.rip = (int64_t) rip;
  p->pend.begun = 0;
  memcpy(p->pend.bytes, now, (size_t) size);
  p->pend_base = total - icount;
  return 0;
}

static uint32_t cp_value(clockports_t *p, int64_t instructions, uint32_t port, int size) {
  int64_t cycles = (int64_t) ((uint64_t) instructions * (uint64_t) p->cpi + (uint64_t) p->base);
  int64_t nanos = (int64_t) ((double) cycles * p->ns_per_cycle);
  int64_t ticks = (int64_t) ((uint64_t) (nanos / 1000) * (uint64_t) p->hz) / 1000000;
  uint64_t v = (uint64_t) ticks & (p->bits >= 64 ? ~0ULL : ((1ULL << p->bits) - 1));
  v >>= 8 * (port - p->first);
  return (uint32_t) (size >= 4 ? v : v & ((1ULL << (8 * size)) - 1));
}

static void cp_record(clockports_t *p, uint32_t v) {
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

/* uc_cb_insn_in_t */
static uint32_t cp_in_hook(void *uc, uint32_t port, int size, void *user) {
  clockports_t *p = (clockports_t *) user;
  uint32_t v;
  int64_t n;
  p->pending = 0;
  if (p->enabled && p->running && port >= p->first && port + (uint32_t) size <= p->first + p->count
      && cp_instructions(uc, p, &n)) {
    v = cp_value(p, n, port, size);
    p->served++;
  } else {
    if (p->enabled && p->running && port >= p->first && port + (uint32_t) size <= p->first + p->count) p->handed++;
    v = p->fallback(uc, port, size, NULL);
    p->pending = 0;
  }
  if (p->recording) cp_record(p, v);
  return v;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeClockPorts_create(JNIEnv *env, jclass cls, jlong blockCounter,
    jlong fallback, jlong regRead, jlong memRead, jint ripId) {
  (void) env;
  (void) cls;
  clockports_t *p = calloc(1, sizeof(clockports_t));
  if (p == NULL) return 0;
  p->bc = (const int64_t *) (intptr_t) blockCounter;
  p->fallback = (cp_in_fn) (intptr_t) fallback;
  p->reg_read = (cp_reg_read_fn) (intptr_t) regRead;
  p->mem_read = (cp_mem_read_fn) (intptr_t) memRead;
  p->rip_id = ripId;
  p->enabled = 0; /* no ports until configure */
  return (jlong) (intptr_t) p;
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
  p->enabled = 1;
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_clock_NativeClockPorts_state(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) handle, 80);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeClockPorts_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &cp_in_hook;
}

/* Java answered the pending read at `instructions` (BlockCounter.count()): remember the position inside the block. */
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
  cp_entry_t *e = &p->cache[cp_slot((uint64_t) p->pend.addr, (uint64_t) p->pend.rip)];
  *e = p->pend;
  e->begun = begun;
  p->learnt++;
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
