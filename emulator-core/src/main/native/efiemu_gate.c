/*
 * efiemu call-gate shim: a native Unicorn UC_HOOK_CODE callback for the call gate's trap region that reads the
 * entry registers (one uc_reg_read_batch) and the return address in C, calls one cached Java method through JNI
 * with the values as jlongs, and writes RAX in C. Replaces JNA's callback dispatch (about 1 us) with a JNI upcall.
 *
 * No link-time dependency on Unicorn: the uc_* entry points are passed in by Java (taken from the very library
 * JNA loaded, so a custom -Defiemu.unicorn.library is honoured). Everything lives in one malloc'ed gate_t per
 * hook (no global mutable state besides the JavaVM pointer recorded by JNI_OnLoad).
 *
 * Java side: org.efiemu.core.engine.NativeGate (native methods) and Engine.addGateHook.
 *
 * The same library holds the block instruction counter (block_hook below; Java side:
 * org.efiemu.core.clock.BlockCounter), one malloc'ed blockcount_t per machine.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <jni.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*reg_read_batch_fn)(void *uc, int *regs, void **vals, int count);
typedef int (*mem_read_fn)(void *uc, uint64_t address, void *bytes, size_t size);
typedef int (*reg_write_fn)(void *uc, int regid, const void *value);
typedef int (*emu_stop_fn)(void *uc);

enum { NREGS = 6 };

/* Shared with Java through a direct ByteBuffer over the first 16 bytes: [0] RAX value, [8] write flag. */
typedef struct {
  int64_t rax;
  int64_t write_rax;
  JavaVM *vm;
  jobject target;   /* global reference to the NativeGate */
  jmethodID method; /* long NativeGate.dispatch(long address, long rsp, long rcx, long rdx, long r8, long r9,
                                              long cr3, long returnAddress, int regError, int memError) */
  jmethodID failed; /* void NativeGate.failed(Throwable) */
  reg_read_batch_fn reg_read_batch;
  mem_read_fn mem_read;
  reg_write_fn reg_write;
  emu_stop_fn emu_stop;
  uint64_t base;
  uint64_t slot_mask;
  int rax_id;
  int ids[NREGS];
  void *ptrs[NREGS];
  uint64_t vals[NREGS];
} gate_t;

static JavaVM *g_vm; /* set once by JNI_OnLoad, never changed */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void) reserved;
  g_vm = vm;
  return JNI_VERSION_1_8;
}

/* uc_cb_hookcode_t */
static void gate_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  (void) size;
  gate_t *g = (gate_t *) user;
  uint64_t off = address - g->base;
  if ((off & g->slot_mask) != 0 || off == 0) return; /* inside a slot, or slot 0 (the gate's bare ret) */
  JNIEnv *env;
  if ((*g->vm)->GetEnv(g->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
    g->emu_stop(uc); /* not a Java thread: cannot happen when uc_emu_start is called from Java */
    return;
  }
  int reg_err = g->reg_read_batch(uc, g->ids, g->ptrs, NREGS);
  uint64_t ret = 0;
  int mem_err = reg_err == 0 ? g->mem_read(uc, g->vals[0], &ret, 8) : 0;
  g->write_rax = 0;
  (*env)->CallLongMethod(env, g->target, g->method, (jlong) address, (jlong) g->vals[0], (jlong) g->vals[1],
      (jlong) g->vals[2], (jlong) g->vals[3], (jlong) g->vals[4], (jlong) g->vals[5], (jlong) ret,
      (jint) reg_err, (jint) mem_err);
  if ((*env)->ExceptionCheck(env)) {
    /* dispatch catches every Throwable; this is one thrown while handling another (e.g. StackOverflowError) */
    jthrowable t = (*env)->ExceptionOccurred(env);
    (*env)->ExceptionClear(env);
    (*env)->CallVoidMethod(env, g->target, g->failed, t);
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
    (*env)->DeleteLocalRef(env, t);
    g->emu_stop(uc);
    return;
  }
  if (g->write_rax) g->reg_write(uc, g->rax_id, &g->rax);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeGate_create(JNIEnv *env, jobject self, jlong base,
    jlong slot, jintArray regIds, jint raxId, jlong regReadBatch, jlong memRead, jlong regWrite, jlong emuStop) {
  if ((*env)->GetArrayLength(env, regIds) != NREGS) return 0;
  jclass cls = (*env)->GetObjectClass(env, self);
  jmethodID m = (*env)->GetMethodID(env, cls, "dispatch", "(JJJJJJJJII)J");
  if (m == NULL) return 0;
  jmethodID f = (*env)->GetMethodID(env, cls, "failed", "(Ljava/lang/Throwable;)V");
  if (f == NULL) return 0;
  gate_t *g = calloc(1, sizeof(gate_t));
  if (g == NULL) return 0;
  g->vm = g_vm;
  g->target = (*env)->NewGlobalRef(env, self);
  g->method = m;
  g->failed = f;
  g->reg_read_batch = (reg_read_batch_fn) (intptr_t) regReadBatch;
  g->mem_read = (mem_read_fn) (intptr_t) memRead;
  g->reg_write = (reg_write_fn) (intptr_t) regWrite;
  g->emu_stop = (emu_stop_fn) (intptr_t) emuStop;
  g->base = (uint64_t) base;
  g->slot_mask = (uint64_t) slot - 1;
  g->rax_id = raxId;
  (*env)->GetIntArrayRegion(env, regIds, 0, NREGS, g->ids);
  for (int i = 0; i < NREGS; i++) g->ptrs[i] = &g->vals[i];
  return (jlong) (intptr_t) g;
}

/* The RAX exchange block: [0] value, [8] write flag (non-zero: write RAX after dispatch returns). */
JNIEXPORT jobject JNICALL Java_org_efiemu_core_engine_NativeGate_resultBuffer(JNIEnv *env, jclass cls, jlong gate) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) gate, 16);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeGate_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &gate_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_engine_NativeGate_destroy(JNIEnv *env, jclass cls, jlong gate) {
  (void) cls;
  gate_t *g = (gate_t *) (intptr_t) gate;
  if (g == NULL) return;
  (*env)->DeleteGlobalRef(env, g->target);
  free(g);
}

/*
 * Exact instruction counting per translated block (the COUNTED clock's fast path; Java side:
 * org.efiemu.core.clock.BlockCounter). A UC_HOOK_BLOCK callback runs before each translated block's first
 * instruction; it asks Unicorn for that block's instruction count (uc_ctl UC_CTL_TB_REQUEST_CACHE: the uc_tb of the
 * block Unicorn finds for the address, which is the block about to run) and adds it. A stop requested from a block
 * hook ends the run before the block's first instruction (the exit check Unicorn emits at every block start follows
 * the block hook's call). Positions inside the current block are derived in Java from RIP.
 */
typedef int (*ctl_fn)(void *uc, int control, ...);
typedef int (*if_reg_read_fn)(void *uc, int regid, void *value);
enum { IF_UC_X86_REG_RFLAGS = 253, IF_RFLAGS_IF = 0x200 }; /* X86Reg.RFLAGS */

/* unicorn.h: struct uc_tb { uint64_t pc; uint16_t icount; uint16_t size; } */
typedef struct {
  uint64_t pc;
  uint16_t icount;
  uint16_t size;
} uc_tb_t;

/* UC_CTL_READ_WRITE(UC_CTL_TB_REQUEST_CACHE, 2): type 8 | 2 arguments << 26 | UC_CTL_IO_READ_WRITE (3) << 30 */
#define CTL_TB_REQUEST_CACHE ((int) (8u | (2u << 26) | (3u << 30)))

enum { BC_USED_MAX = 4096 };
enum { BC_CACHE_SLOTS = 65536 }; /* 3 735 blocks on GRUB -> Xen: 8192 direct-mapped slots left ~25 % of blocks colliding */

enum { BC_RUNNING = 0, BC_BUDGET_AT_BLOCK = 1, BC_BUDGET_IN_BLOCK = 2, BC_LOOKUP_FAILED = 3, BC_STOP_AT_BLOCK = 4 };

/* The first 104 bytes are shared with Java through a direct ByteBuffer (BlockCounter's offsets). */
typedef struct {
  int64_t total;      /*  0: instructions of every block entered, each counted whole */
  int64_t limit;      /*  8: unsigned; a block that would take total past it is not entered */
  int64_t cur_addr;   /* 16: the block entered last (or refused by the budget) */
  int64_t cur_size;   /* 24 */
  int64_t cur_icount; /* 32 */
  int64_t state;      /* 40: BC_* */
  int64_t counting;   /* 48: 0 while Java runs a budget's last partial block (that block is Java's to count) */
  int64_t blocks;     /* 56: blocks counted (statistics) */
  int64_t stop_flag;  /* 64: set by Java (any thread): stop before the next block */
  int64_t deadline;   /* 72: CLOCK_MONOTONIC nanoseconds after which the run stops before a block; 0: none */
  int64_t ticks;      /* 80: blocks since the deadline was last compared */
  int64_t cached;     /* 88: blocks whose count came from the cache (statistics) */
  int64_t tick_at;    /* 96: unsigned; once total reaches it the run stops before the next block (stop_flag 2:
                         an asynchronous interrupt is due on virtual time); -1: none */
  int64_t if_window;  /* 104: 1: an interrupt masked by RFLAGS.IF is pending, watch IF at each block; 2: IF was set
                         at the last block's start, stop before this one (stop_flag 2); 0: none */
  int64_t fast_max;   /* 112: unsigned; block_inline.c: a block whose new total is at most this is counted by the
                         code Unicorn generated, without a call (0: every block calls; bc_fast_update computes it) */
  int64_t inline_on;  /* 120: 1: blocks translated from now on count inline (block_inline.c) */
  /*
   * The IN instruction being answered (Java side: BlockCounter.inBegin/inEnd; clock_ports.c). Unicorn 2.0.1 writes
   * RIP back neither before an IN nor at a chained jump, so RIP read in an IN hook does not tell which instruction of
   * the block runs; but a translated block runs straight from its first instruction, so the k-th IN callback since the
   * block was entered (in_blocks: `blocks` when it was; counted blocks only, a budget's partial block resets it) is the
   * block's k-th IN/INS instruction.
   */
  int64_t in_blocks;  /* 128: `blocks` at the IN callbacks counted in in_k; -1: none yet */
  int64_t in_k;       /* 136: IN callbacks since the current block was entered (1 = its first IN) */
  int64_t in_active;  /* 144: 1 while an IN read is answered in Java (the count is then the k-th IN's position) */
  /*
   * 152: the TranslationBlock of the block entered last when the inline ops (block_inline.c) counted it; cur_addr,
   * cur_size and cur_icount are then its pc, size and icount (bc_sync_cur stores them), not the values stored above.
   * 0: the stored values hold. Everything that writes cur_* sets it to 0 first.
   */
  int64_t cur_tb;
  ctl_fn ctl;
  emu_stop_fn emu_stop;
  if_reg_read_fn reg_read; /* uc_reg_read, for if_window; NULL: IF not watched */
  uint32_t nslots;         /* block_inline.c: slots handed out from `slots` (reset when the counter is recycled) */
  struct bc_slot_s *slots; /* block_inline.c: BC_SLOTS per-translation instruction counts, allocated on first use */
  /*
   * Instruction counts of translated blocks by start address, filled by the RDTSC discovery's edge hook as Unicorn
   * translates each block (tb_find calls it for every new translation but an engine's very first), so an entry is
   * replaced whenever the block at its address is translated again (rewritten code included). An entry is used only
   * when its start and size are the block hook's and the uc_ctl(UC_CTL_TB_REQUEST_CACHE) lookup found that block
   * once since it was translated (verified): a block the lookup does not return (the one-instruction block Unicorn
   * makes for a store into the running block) still stops the run as before.
   */
  /* cache slots written so far (a written slot has size != 0), so that a recycled counter clears only those */
  uint32_t nused;
  uint32_t used[BC_USED_MAX]; /* the first BC_USED_MAX of them; beyond, a recycled counter clears the whole cache */
  struct { uint64_t pc; uint64_t size; uint64_t icount; uint64_t verified; } cache[BC_CACHE_SLOTS];
  /* statistics (after the cache: BlockCounter_create resets them): translations that count inline with the count read
     from their own TranslationBlock (block_inline.c; first runs too), and calls of block_hook */
  int64_t tb_translations;
  int64_t calls;

  /* uc_mem_read, for if_window: the byte before the first block that begins with IF set tells STI (a shadow) from
     POPF/IRETQ (none); NULL: every IF change is taken as STI's */
  int (*if_mem_read)(void *uc, uint64_t address, void *bytes, size_t size);
} blockcount_t;

/* True when the block at `address` follows STI (0xFB just before it: Unicorn ends the block after STI and makes the
   one-instruction shadow a block of its own); false after POPF (0x9D before it) or IRETQ (elsewhere). */
static int bc_after_sti(void *uc, blockcount_t *b, uint64_t address) {
  if (b->if_mem_read == NULL) return 1;
  uint8_t op = 0;
  return address != 0 && b->if_mem_read(uc, address - 1, &op, 1) == 0 && op == 0xFB;
}

/* Records that `slot` of the cache is about to be written (before the write). */
static inline void bc_note_slot(blockcount_t *b, size_t slot) {
  if (b->cache[slot].size != 0) return;
  if (b->nused < BC_USED_MAX) b->used[b->nused] = (uint32_t) slot;
  b->nused++;
}

static inline size_t bc_slot(uint64_t pc) {
  return (size_t) ((pc ^ (pc >> 12)) & (BC_CACHE_SLOTS - 1));
}

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * uc_cb_hookcode_t for UC_HOOK_BLOCK. The uc_ctl lookup finds the block being entered (Unicorn just looked it up or
 * chained to it; a hash-cache miss falls back to its block table). It could only translate anew if the running
 * block were missing from both, which would need the block to be invalidated before its first instruction ran;
 * the pc/size check below then stops the run instead of counting wrongly.
 */
static void block_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  blockcount_t *b = (blockcount_t *) user;
  b->calls++;
  if (b->if_window != 0 && b->stop_flag == 0) {
    /* a timer interrupt came while RFLAGS.IF was clear: it is taken after the first block that begins with IF set
       (STI ends its block and the next one is STI's one-instruction shadow, so the interrupt lands after it) */
    if (b->if_window == 2) {
      b->if_window = 0;
      b->stop_flag = 2;
    } else if (b->reg_read != NULL) {
      uint64_t fl = 0;
      if (b->reg_read(uc, IF_UC_X86_REG_RFLAGS, &fl) == 0 && (fl & IF_RFLAGS_IF) != 0) {
        if (bc_after_sti(uc, b, address)) {
          b->if_window = 2;
        } else {
          b->if_window = 0; /* POPF or IRETQ set IF: no shadow, the interrupt comes before this block */
          b->stop_flag = 2;
        }
      }
    }
  }
  if (b->stop_flag || (b->deadline != 0 && (++b->ticks & 1023) == 0 && monotonic_ns() >= b->deadline)) {
    /* a stop asked for from another thread, or the wall-clock limit: before this block, which is not begun */
    b->cur_tb = 0;
    b->cur_addr = (int64_t) address;
    b->cur_size = size;
    b->cur_icount = 0;
    b->state = BC_STOP_AT_BLOCK;
    b->emu_stop(uc);
    return;
  }
  if (!b->counting) return;
  b->cur_tb = 0;
  b->cur_addr = (int64_t) address;
  b->cur_size = size;
  uc_tb_t tb;
  size_t slot = bc_slot(address);
  if (b->cache[slot].verified && b->cache[slot].pc == address && b->cache[slot].size == size) {
    tb.pc = address;
    tb.size = (uint16_t) size;
    tb.icount = (uint16_t) b->cache[slot].icount;
    b->cached++;
  } else {
    memset(&tb, 0, sizeof tb);
    int err = b->ctl(uc, CTL_TB_REQUEST_CACHE, address, &tb);
    if (err != 0) tb.icount = 0;
    if (tb.pc == address && tb.size == size && tb.icount != 0 && b->cache[slot].pc == address
        && b->cache[slot].size == size && b->cache[slot].icount == tb.icount) {
      b->cache[slot].verified = 1;
    }
  }
  if (tb.pc != address || tb.size != size || tb.icount == 0) {
    b->cur_icount = 0;
    b->state = BC_LOOKUP_FAILED;
    b->emu_stop(uc);
    return;
  }
  uint64_t total = (uint64_t) b->total;
  b->cur_icount = tb.icount;
  if (total + tb.icount > (uint64_t) b->limit) {
    if (total == (uint64_t) b->limit) {
      b->total = (int64_t) (total + 1); /* the block's first instruction passes the limit: begun, not run */
      b->state = BC_BUDGET_AT_BLOCK;
    } else {
      b->state = BC_BUDGET_IN_BLOCK; /* Java runs the block's first limit - total instructions */
    }
    b->emu_stop(uc);
    return;
  }
  b->total = (int64_t) (total + tb.icount);
  b->blocks++;
  if ((uint64_t) b->total >= (uint64_t) b->tick_at && b->stop_flag == 0) b->stop_flag = 2; /* interrupt due */
}

/*
 * Inline counting (block_inline.c emits it; Java side: BlockCounter, InlineBlockCounting). Each block translated while
 * the counter's hook is Unicorn's only block hook gets, instead of the call of block_hook, a few TCG ops: new = total +
 * *slot; when new <= fast_max (unsigned) they store total, cur_addr, cur_size, cur_icount and blocks + 1 as block_hook
 * would; otherwise they call block_hook_slot, which runs block_hook and, when that counted the block whole, stores its
 * instruction count into the translation's own slot. A slot starts at BC_SLOT_UNKNOWN, larger than any fast_max, so a
 * translation's first run always takes the call (and block_hook's lookup and checks). Most translations use no slot:
 * their ops read the count from their own TranslationBlock, known before their first run (block_inline.c), add it to
 * total first and, when the new total is at most fast_max, store only cur_tb (the TranslationBlock: cur_addr, cur_size
 * and cur_icount are its pc, size and icount, stored by bc_sync_cur when read) and blocks + 1; otherwise they call
 * efiemu_block_hook_tb_undo, which takes the count back before block_hook. Between the ops' add and that call the
 * total is one block ahead: only the emulating thread reads it then. fast_max is the largest new
 * total for which block_hook would only add: 0 while a stop is asked for, an interrupt is watched for RFLAGS.IF or
 * Java runs a budget's partial block; otherwise the smallest of the limit, tick_at - 1 and, while a wall-clock
 * deadline is set, the total + BC_DEADLINE_STRIDE (each call then reads the clock, instead of every 1024th block).
 * A condition added to block_hook that stops the run or does more than count, for a block it would otherwise only
 * count, must make bc_fast_update give 0 while it can hold (blocks counted inline never see block_hook). Every writer of those fields updates it (block_hook_slot, the edge hook, Java
 * through BlockCounter.fastUpdate and requestStop).
 */
struct bc_slot_s {
  uint64_t icount; /* the translation's instructions once block_hook counted it, else BC_SLOT_UNKNOWN */
  blockcount_t *b;
};
enum { BC_SLOTS = 1 << 17 };
/* TranslationBlock (Unicorn 2.0.1's exec-all.h; block_inline.c checks the build): pc, size, icount */
enum { BC_TB_PC = 0x0, BC_TB_SIZE = 0x14, BC_TB_ICOUNT = 0x16 };
#define BC_SLOT_UNKNOWN (1ULL << 62)
#define BC_FAST_CAP ((1ULL << 61) - 1)
#define BC_DEADLINE_STRIDE 4096
_Static_assert(offsetof(blockcount_t, total) == 0 && offsetof(blockcount_t, cur_addr) == 16
    && offsetof(blockcount_t, cur_size) == 24 && offsetof(blockcount_t, cur_icount) == 32
    && offsetof(blockcount_t, blocks) == 56 && offsetof(blockcount_t, stop_flag) == 64
    && offsetof(blockcount_t, fast_max) == 112 && offsetof(blockcount_t, inline_on) == 120
    && offsetof(blockcount_t, in_blocks) == 128 && offsetof(blockcount_t, in_k) == 136
    && offsetof(blockcount_t, in_active) == 144 && offsetof(blockcount_t, cur_tb) == 152,
    "block_inline.c's offsets");

static void bc_fast_update(blockcount_t *b) {
  uint64_t m = 0;
  if (b->inline_on && b->if_window == 0 && b->counting && b->tick_at != 0) {
    m = (uint64_t) b->limit;
    if ((uint64_t) b->tick_at - 1 < m) m = (uint64_t) b->tick_at - 1;
    /* a wall-clock deadline: a call (which reads the clock) at least every BC_DEADLINE_STRIDE instructions */
    if (b->deadline != 0 && (uint64_t) b->total + BC_DEADLINE_STRIDE < m) m = (uint64_t) b->total + BC_DEADLINE_STRIDE;
    if (m > BC_FAST_CAP) m = BC_FAST_CAP;
  }
  __atomic_store_n(&b->fast_max, (int64_t) m, __ATOMIC_SEQ_CST);
  /* a stop asked for from another thread (BlockCounter.requestStop: stop_flag, then fast_max = 0) is never lost */
  if (__atomic_load_n(&b->stop_flag, __ATOMIC_SEQ_CST) != 0) __atomic_store_n(&b->fast_max, 0, __ATOMIC_SEQ_CST);
}

/* Stores the start, size and count of the block the inline ops counted last (cur_tb) into cur_*, and clears cur_tb. */
static void bc_sync_cur(blockcount_t *b) {
  const char *t = (const char *) (intptr_t) b->cur_tb;
  if (t == NULL) return;
  b->cur_addr = (int64_t) *(const uint64_t *) (t + BC_TB_PC);
  b->cur_size = *(const uint16_t *) (t + BC_TB_SIZE);
  b->cur_icount = *(const uint16_t *) (t + BC_TB_ICOUNT);
  b->cur_tb = 0;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_syncCur0(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  bc_sync_cur((blockcount_t *) (intptr_t) counter);
}

/* The call the inline ops make when they do not count a block themselves (uc_cb_hookcode_t, user = the slot). */
void efiemu_block_hook_slot(void *uc, uint64_t address, uint32_t size, void *user) {
  struct bc_slot_s *slot = (struct bc_slot_s *) user;
  blockcount_t *b = slot->b;
  int64_t blocks = b->blocks;
  if (b->deadline != 0) b->ticks |= 1023; /* block_hook reads the clock on this call (inline blocks do not tick) */
  block_hook(uc, address, size, b);
  if (b->blocks != blocks && b->cur_addr == (int64_t) address) slot->icount = (uint64_t) b->cur_icount;
  bc_fast_update(b);
}

/*
 * The call the count-first inline ops make when the new total passes fast_max (tb = the translation's
 * TranslationBlock, user = the counter): takes the block's count back, then block_hook with the block's pc and size
 * from the TranslationBlock (the size Unicorn patches into a hook's call is tb->size), then fast_max.
 */
void efiemu_block_hook_tb_undo(void *uc, uint64_t tb, uint32_t size, void *user) {
  (void) size;
  blockcount_t *b = (blockcount_t *) user;
  const char *t = (const char *) (uintptr_t) tb;
  b->total -= *(const uint16_t *) (t + BC_TB_ICOUNT);
  if (b->deadline != 0) b->ticks |= 1023; /* block_hook reads the clock on this call (inline blocks do not tick) */
  block_hook(uc, *(const uint64_t *) (t + BC_TB_PC), *(const uint16_t *) (t + BC_TB_SIZE), b);
  bc_fast_update(b);
}

/*
 * block_inline.c, at each translation for counter `user`, with the TranslationBlock being made (tb_gen_code has
 * written its pc over whatever was there): when it lies over the pc, size or icount of cur_tb's, Unicorn has flushed
 * its code buffer since the block counted last was entered, and that block ran through (translations are made between
 * blocks; the one-instruction block Unicorn makes to rerun a store into the running block is made in the buffer's
 * free part, never over the running block's), so the count holds it whole and nothing of it is left to place:
 * cur_icount 0, as after a run that ends between blocks. Returns 1 when so.
 */
int efiemu_block_cur_tb_reused(void *user, void *tb, uintptr_t tb_size) {
  blockcount_t *b = (blockcount_t *) user;
  uintptr_t old = (uintptr_t) b->cur_tb, now = (uintptr_t) tb;
  if (old == 0 || now >= old + BC_TB_ICOUNT + 2 || now + tb_size <= old) return 0;
  b->cur_tb = 0;
  b->cur_icount = 0;
  return 1;
}

/* block_inline.c: 1 when counter `user` counts a new translation inline from its TranslationBlock (and notes it). */
int efiemu_block_tb_translation(void *user) {
  blockcount_t *b = (blockcount_t *) user;
  if (!b->inline_on) return 0;
  b->tb_translations++;
  return 1;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_BlockCounter_tbTranslations(JNIEnv *env, jclass cls,
    jlong counter) {
  (void) env;
  (void) cls;
  return ((blockcount_t *) (intptr_t) counter)->tb_translations;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_BlockCounter_hookCalls(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  return ((blockcount_t *) (intptr_t) counter)->calls;
}

/* block_inline.c: the hook function whose calls it replaces. */
void *efiemu_block_hook_function(void) {
  return (void *) &block_hook;
}

/* block_inline.c: a fresh slot of counter `user` for a translation, or NULL (off, or no slot left: the call). */
void *efiemu_block_new_slot(void *user) {
  blockcount_t *b = (blockcount_t *) user;
  if (!b->inline_on) return NULL;
  if (b->slots == NULL) b->slots = calloc(BC_SLOTS, sizeof(struct bc_slot_s));
  if (b->slots == NULL || b->nslots >= BC_SLOTS) return NULL;
  struct bc_slot_s *s = &b->slots[b->nslots++];
  s->icount = BC_SLOT_UNKNOWN;
  s->b = b;
  return s;
}

static void bc_free(void *p) {
  blockcount_t *b = (blockcount_t *) p;
  if (b == NULL) return;
  free(b->slots);
  free(b);
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_fastUpdate(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  bc_fast_update((blockcount_t *) (intptr_t) counter);
}

/* Any thread: stop before the next block, also for blocks counted inline. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_requestStop(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  blockcount_t *b = (blockcount_t *) (intptr_t) counter;
  __atomic_store_n(&b->stop_flag, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&b->fast_max, 0, __ATOMIC_SEQ_CST);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_BlockCounter_slots(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  return ((blockcount_t *) (intptr_t) counter)->nslots;
}

/* Blocks translated from now on count inline (on != 0) or call block_hook. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_inline0(JNIEnv *env, jclass cls, jlong counter,
    jboolean on) {
  (void) env;
  (void) cls;
  blockcount_t *b = (blockcount_t *) (intptr_t) counter;
  b->inline_on = on ? 1 : 0;
  bc_fast_update(b);
}

/*
 * One destroyed counter per thread, kept for the thread's next machine (a hunt worker builds machine after machine).
 * A thread-specific key rather than a __thread pointer, so that the spare is freed when its thread ends.
 */
static pthread_key_t bc_spare_key;
static pthread_once_t bc_spare_once = PTHREAD_ONCE_INIT;

static void bc_spare_key_create(void) {
  pthread_key_create(&bc_spare_key, bc_free);
}

static blockcount_t *bc_spare_take(void) {
  pthread_once(&bc_spare_once, bc_spare_key_create);
  blockcount_t *b = pthread_getspecific(bc_spare_key);
  if (b != NULL) pthread_setspecific(bc_spare_key, NULL);
  return b;
}

/* Keeps `b` as this thread's spare; false when the thread has one already (the caller frees `b`). */
static int bc_spare_keep(blockcount_t *b) {
  pthread_once(&bc_spare_once, bc_spare_key_create);
  if (pthread_getspecific(bc_spare_key) != NULL) return 0;
  return pthread_setspecific(bc_spare_key, b) == 0;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_BlockCounter_create(JNIEnv *env, jclass cls, jlong ctl,
    jlong emuStop) {
  (void) env;
  (void) cls;
  blockcount_t *b = bc_spare_take();
  if (b != NULL) {
    /* a counter this thread destroyed before: back to calloc's zeros without touching its 2 MiB cache, of which a
     * machine writes a few hundred slots (clearing it all cost ~2 % of a hunt scenario's CPU) */
    if (b->nused > BC_USED_MAX) {
      memset(b->cache, 0, sizeof b->cache);
    } else {
      for (uint32_t i = 0; i < b->nused; i++) memset(&b->cache[b->used[i]], 0, sizeof b->cache[0]);
    }
    struct bc_slot_s *slots = b->slots; /* block_inline.c's slots: kept, handed out again from the first */
    memset(b, 0, offsetof(blockcount_t, cache));
    b->slots = slots;
    b->tb_translations = 0;
    b->calls = 0;
  } else {
    b = calloc(1, sizeof(blockcount_t));
  }
  if (b == NULL) return 0;
  b->limit = -1;
  b->tick_at = -1;
  b->in_blocks = -1;
  b->counting = 1;
  b->ctl = (ctl_fn) (intptr_t) ctl;
  b->emu_stop = (emu_stop_fn) (intptr_t) emuStop;
  return (jlong) (intptr_t) b;
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_clock_BlockCounter_state(JNIEnv *env, jclass cls, jlong counter) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) counter, 160);
}

/* Gives the block hook uc_reg_read, so that it can watch RFLAGS.IF while a masked interrupt is pending (if_window). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_watchInterruptFlag(JNIEnv *env, jclass cls,
    jlong counter, jlong regRead) {
  (void) env;
  (void) cls;
  ((blockcount_t *) (intptr_t) counter)->reg_read = (if_reg_read_fn) (intptr_t) regRead;
}

/* Gives the block hook uc_mem_read, so that its RFLAGS.IF watch tells STI's shadow from POPF/IRETQ (bc_after_sti). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_watchInterruptFlagBytes(JNIEnv *env, jclass cls,
    jlong counter, jlong memRead) {
  (void) env;
  (void) cls;
  ((blockcount_t *) (intptr_t) counter)->if_mem_read = (int (*)(void *, uint64_t, void *, size_t)) (intptr_t) memRead;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_BlockCounter_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &block_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_destroy(JNIEnv *env, jclass cls, jlong counter) {
  (void) env;
  (void) cls;
  blockcount_t *b = (blockcount_t *) (intptr_t) counter;
  if (b != NULL && !bc_spare_keep(b)) bc_free(b);
}

/*
 * RDTSC discovery (Java side: org.efiemu.core.clock.RdtscDiscovery): a UC_HOOK_EDGE_GENERATED callback, which Unicorn
 * calls when it has translated a new block and before that block runs (tb_find, once per translation; not for the
 * very first block a uc_engine runs, when no block ran before). A block whose bytes hold 0F 31 (RDTSC) or 0F 01 F9
 * (RDTSCP) anywhere, and that Java has not checked with the same bytes before (a table of start, size and FNV-1a hash
 * of the bytes), is checked by Java (Capstone finds the real instructions and hooks exactly those) before it runs.
 * The byte test is conservative (a match inside another instruction only costs one check); nothing is scanned that
 * does not run.
 *
 * The check is made inside the run (RdtscDiscovery.checkInRun, a JNI upcall from this callback): Java hooks the sites
 * and drops the new translation (uc_ctl UC_CTL_TB_REMOVE_CACHE: tb_phys_invalidate, which marks it CF_INVALID, so
 * tb_find's tb_add_jump does not chain to it), then this callback writes RIP with its own value. Unicorn 2.0.1's RIP
 * write from a callback sets uc->quit_request and calls uc_emu_stop (qemu/target/i386/unicorn.c reg_write): cpu_exec
 * sees cpu->exit_request right after tb_find and leaves before the block runs (accel/tcg/cpu-exec.c), and
 * tcg_cpu_exec (softmmu/cpus.c), seeing quit_request, clears the stop and enters cpu_exec again at the same RIP,
 * which translates the block again, now with the sites' hooks. So the run does not return to Java's run loop
 * (uc_emu_start returning and started again cost about 50 us a block, a third of a check). When the upcall cannot be
 * made or Java reports a failure, the run stops before the block as before (found = 1) and Java checks it there.
 */
enum { CHECKED_SLOTS = 4096 };
struct tscsites_s;
static int ts_check_in_c(void *uc, struct tscsites_s *t, const uint8_t *bytes, uint64_t pc, size_t size);

typedef struct {
  int64_t found_pc;      /*  0: start of a new block holding RDTSC/RDTSCP bytes; valid while found != 0 */
  int64_t found_size;    /*  8 */
  int64_t found;         /* 16 */
  int64_t found_hash;    /* 24 */
  int64_t checked_count; /* 32: entries in the table */
  int64_t translations;  /* 40: blocks translated (statistics) */
  int64_t stops;         /* 48: runs stopped for a block to check (statistics) */
  int64_t in_run;        /* 56: blocks checked inside the run, without a stop (statistics) */
  blockcount_t *counter; /* the block counter (its stop flag: stop before counting the block), or NULL */
  mem_read_fn mem_read;
  emu_stop_fn emu_stop;
  if_reg_read_fn reg_read;  /* uc_reg_read; NULL: no check inside the run */
  reg_write_fn reg_write;   /* uc_reg_write */
  int rip_id;
  JavaVM *vm;
  jobject target;           /* global reference to the RdtscDiscovery */
  jmethodID check_in_run;   /* int RdtscDiscovery.checkInRun(long start, long size): 1 checked and hooked */
  struct tscsites_s *tsc;   /* RDTSC sites answered in C (NativeRdtsc): blocks checked here when it can; or NULL */
  uint64_t checked[CHECKED_SLOTS][3]; /* pc, size + 1, hash; size 0 = empty slot */
  uint8_t bytes[65536];
} rdtscwatch_t;

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static size_t checked_slot(rdtscwatch_t *w, uint64_t pc, uint64_t size, uint64_t hash, int *present) {
  size_t i = (size_t) ((pc * 0x9E3779B97F4A7C15ULL) ^ hash) & (CHECKED_SLOTS - 1);
  for (;;) {
    uint64_t *e = w->checked[i];
    if (e[1] == 0) {
      *present = 0;
      return i;
    }
    if (e[0] == pc && e[1] == size + 1 && e[2] == hash) {
      *present = 1;
      return i;
    }
    i = (i + 1) & (CHECKED_SLOTS - 1);
  }
}

static void mark_checked(rdtscwatch_t *w) {
  if (w->checked_count >= CHECKED_SLOTS / 2) { /* keep the table sparse: start again (costs re-checks only) */
    memset(w->checked, 0, sizeof w->checked);
    w->checked_count = 0;
  }
  uint64_t pc = (uint64_t) w->found_pc, size = (uint64_t) w->found_size, hash = (uint64_t) w->found_hash;
  int present;
  size_t i = checked_slot(w, pc, size, hash, &present);
  if (present) return;
  w->checked[i][0] = pc;
  w->checked[i][1] = size + 1;
  w->checked[i][2] = hash;
  w->checked_count++;
}

/*
 * The block found_pc/found_size/found_hash is checked by Java now, inside the run; on success it is marked checked
 * and RIP is written with its own value, so that Unicorn leaves the new translation unrun and translates it again
 * (see above). 0: not done (no upcall possible, or Java failed: the caller stops the run as before).
 */
static int check_in_run(void *uc, rdtscwatch_t *w, uint64_t pc, size_t size) {
  if (w->vm == NULL || w->reg_read == NULL) return 0;
  JNIEnv *env;
  if ((*w->vm)->GetEnv(w->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) return 0;
  uint64_t rip;
  if (w->reg_read(uc, w->rip_id, &rip) != 0) return 0;
  jint ok = (*env)->CallIntMethod(env, w->target, w->check_in_run, (jlong) pc, (jlong) size);
  if ((*env)->ExceptionCheck(env)) { /* checkInRun catches every Throwable; one thrown while handling another */
    (*env)->ExceptionClear(env);
    ok = 0;
  }
  if (ok != 1) return 0;
  mark_checked(w);
  w->in_run++;
  if (w->reg_write(uc, w->rip_id, &rip) != 0) return 0;
  return 1;
}

static void edge_hook(void *uc, uc_tb_t *cur, uc_tb_t *prev, void *user) {
  (void) prev;
  rdtscwatch_t *w = (rdtscwatch_t *) user;
  w->translations++;
  if (w->counter != NULL && w->counter->counting) {
    size_t slot = bc_slot(cur->pc);
    bc_note_slot(w->counter, slot);
    w->counter->cache[slot].pc = cur->pc;
    w->counter->cache[slot].size = cur->size;
    w->counter->cache[slot].icount = cur->icount;
    w->counter->cache[slot].verified = 0;
  }
  if (w->found) return; /* a stop is already on its way */
  /* Java runs the part of a block that ends a budget: that block was checked when translated whole */
  if (w->counter != NULL && !w->counter->counting) return;
  size_t size = cur->size;
  if (size == 0) return;
  if (w->mem_read(uc, cur->pc, w->bytes, size) != 0) return; /* not readable: the fetch faults anyway */
  for (size_t i = 0; i + 1 < size; i++) {
    if (w->bytes[i] != 0x0F) continue;
    uint8_t b1 = w->bytes[i + 1];
    /* RDTSC, RDTSCP; and for org.efiemu.core.cpu.PrivilegedInstructions: WRMSR, RDMSR, MOV to CRn, SYSCALL, SYSRET */
    if (b1 == 0x31 || (b1 == 0x01 && i + 2 < size && w->bytes[i + 2] == 0xF9) || b1 == 0x30 || b1 == 0x32
        || b1 == 0x22 || b1 == 0x05 || b1 == 0x07) {
      uint64_t hash = fnv1a(w->bytes, size);
      int present;
      checked_slot(w, cur->pc, size, hash, &present);
      if (present) return;
      w->found_pc = (int64_t) cur->pc;
      w->found_size = (int64_t) size;
      w->found_hash = (int64_t) hash;
      uint64_t rip;
      if (w->tsc != NULL && w->reg_read != NULL && w->reg_read(uc, w->rip_id, &rip) == 0
          && ts_check_in_c(uc, w->tsc, w->bytes, cur->pc, size)) {
        /* checked and hooked in C: as check_in_run after Java's check */
        mark_checked(w);
        w->in_run++;
        if (w->reg_write(uc, w->rip_id, &rip) == 0) return;
      }
      if (check_in_run(uc, w, cur->pc, size)) return;
      w->found = 1;
      w->stops++;
      if (w->counter != NULL) w->counter->stop_flag = 1;
      if (w->counter != NULL) w->counter->fast_max = 0; /* inline counting (block_inline.c) calls the hook */
      w->emu_stop(uc);
      return;
    }
  }
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_RdtscDiscovery_create(JNIEnv *env, jobject self, jlong memRead,
    jlong emuStop, jlong blockCounter, jlong regRead, jlong regWrite, jint ripId) {
  jclass cls = (*env)->GetObjectClass(env, self);
  jmethodID m = (*env)->GetMethodID(env, cls, "checkInRun", "(JJ)I");
  if (m == NULL) return 0;
  rdtscwatch_t *w = calloc(1, sizeof(rdtscwatch_t));
  if (w == NULL) return 0;
  w->mem_read = (mem_read_fn) (intptr_t) memRead;
  w->emu_stop = (emu_stop_fn) (intptr_t) emuStop;
  w->counter = (blockcount_t *) (intptr_t) blockCounter;
  w->reg_read = (if_reg_read_fn) (intptr_t) regRead;
  w->reg_write = (reg_write_fn) (intptr_t) regWrite;
  w->rip_id = ripId;
  w->vm = g_vm;
  w->target = (*env)->NewGlobalRef(env, self);
  w->check_in_run = m;
  return (jlong) (intptr_t) w;
}

/* The block found last is checked: its next translations with the same bytes pass. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_RdtscDiscovery_markChecked(JNIEnv *env, jclass cls, jlong watch) {
  (void) env;
  (void) cls;
  mark_checked((rdtscwatch_t *) (intptr_t) watch);
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_clock_RdtscDiscovery_state(JNIEnv *env, jclass cls, jlong watch) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) watch, 64);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_RdtscDiscovery_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &edge_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_RdtscDiscovery_destroy(JNIEnv *env, jclass cls, jlong watch) {
  (void) cls;
  rdtscwatch_t *w = (rdtscwatch_t *) (intptr_t) watch;
  if (w == NULL) return;
  if (w->target != NULL) (*env)->DeleteGlobalRef(env, w->target);
  free(w);
}

/*
 * Kept translations (org.efiemu.core.engine.KeptTranslations): a counter whose hook stays registered from one machine
 * to the next on a reused engine (the hook's user data is compiled into every translated block that calls it) is set
 * back to a new counter's state for the next machine, as create() does with a recycled one; with keepCache its
 * instruction-count cache stays, since the translations it describes are kept too.
 */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_recycle0(JNIEnv *env, jclass cls, jlong counter,
    jboolean keepCache) {
  (void) env;
  (void) cls;
  blockcount_t *b = (blockcount_t *) (intptr_t) counter;
  if (!keepCache) {
    if (b->nused > BC_USED_MAX) {
      memset(b->cache, 0, sizeof b->cache);
    } else {
      for (uint32_t i = 0; i < b->nused; i++) memset(&b->cache[b->used[i]], 0, sizeof b->cache[0]);
    }
  }
  ctl_fn ctl = b->ctl;
  emu_stop_fn emu_stop = b->emu_stop;
  struct bc_slot_s *slots = b->slots;
  uint32_t nused = b->nused;
  uint32_t used[BC_USED_MAX];
  if (keepCache) memcpy(used, b->used, sizeof used);
  memset(b, 0, offsetof(blockcount_t, cache));
  b->slots = slots;
  b->tb_translations = 0; /* statistics after the cache, as create() resets them */
  b->calls = 0;
  if (keepCache) {
    b->nused = nused;
    memcpy(b->used, used, sizeof used);
  }
  b->limit = -1;
  b->tick_at = -1;
  b->in_blocks = -1;
  b->counting = 1;
  b->ctl = ctl;
  b->emu_stop = emu_stop;
}

/* Forgets the cached counts of blocks starting in [from, to) (their translations were removed). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_BlockCounter_forgetCache0(JNIEnv *env, jclass cls, jlong counter,
    jlong from, jlong to) {
  (void) env;
  (void) cls;
  blockcount_t *b = (blockcount_t *) (intptr_t) counter;
  uint64_t lo = (uint64_t) from, hi = (uint64_t) to;
  if (b->nused > BC_USED_MAX) {
    for (size_t i = 0; i < BC_CACHE_SLOTS; i++) {
      if (b->cache[i].pc >= lo && b->cache[i].pc < hi) b->cache[i].verified = 0, b->cache[i].pc = 0;
    }
    return;
  }
  for (uint32_t i = 0; i < b->nused; i++) {
    size_t s = b->used[i];
    if (b->cache[s].pc >= lo && b->cache[s].pc < hi) b->cache[s].verified = 0, b->cache[s].pc = 0;
  }
}

/*
 * RDTSC answered in C (Java side: org.efiemu.core.clock.NativeRdtsc, RdtscVirtualizer). Unicorn 2.0.1 cannot hook
 * RDTSC as an instruction (see RdtscVirtualizer); each site RdtscVirtualizer finds gets a one-address UC_HOOK_CODE
 * hook. This is that hook's native function: it answers an RDTSC exactly as VirtualClock.readTsc and
 * RdtscVirtualizer.atSite do in Java, without entering Java:
 *   instructions = BlockCounter.count() at the site = total - cur_icount + begun   (total when cur_icount <= 1)
 *     begun = the site's index in the running block + 1, told by Java when it decoded the block (ts_position: keyed
 *     by the block's start, size and instruction count and the site; a block not known here goes to Java)
 *   other  += cycles_per_rdtsc    (VirtualClock's rdtscReads + 1: the cycles that are not instructions'; mirrored
 *                                  to clock_ports.c's base when the PM timer is answered in C too)
 *   tsc     = instructions * cpi + other                                   (VirtualClock.cycles())
 *   interrupt point re-armed as VirtualClock.rearmInterrupt: tick_at = ceil((interrupt - other) / cpi), then
 *     bc_fast_update (BlockCounter.tickAt)
 *   EDX:EAX = tsc, the read recorded for the read listener when recording, then RIP = site + 2, the block counter's
 *     total taken back to the site as BlockCounter.beforeRipWrite does (Unicorn leaves the block at a RIP write).
 * RDTSCP (IA32_TSC_AUX) is never hooked here. Whatever is not the plain case goes to Java through JNI
 * (RdtscVirtualizer.atSiteFromC): a run that is not RUNNING (a budget's partial block, a stop), an unknown block, or
 * bytes at the site that are no longer 0F 31 (atSite leaves other instructions alone, as before).
 */
enum { TS_POS_SLOTS = 1024 };

typedef int (*cs_open_fn)(int arch, int mode, size_t *handle);
typedef size_t (*cs_disasm_fn)(size_t handle, const uint8_t *code, size_t size, uint64_t address, size_t count,
    void **insn);
typedef void (*cs_free_fn)(void *insn, size_t count);
typedef int (*cs_close_fn)(size_t *handle);
typedef int (*hook_add_fn)(void *uc, size_t *hh, int type, void *callback, void *user, uint64_t begin, uint64_t end,
    ...);
typedef int (*hook_del_fn)(void *uc, size_t hh);
/* Capstone 4's cs_insn (x86-64 LP64; CapstoneLib's offsets): size@16, mnemonic[32]@34, 240 bytes */
enum { CS_INSN_SIZE = 240, CS_OFF_ADDRESS = 8, CS_OFF_SIZE = 16, CS_OFF_MNEMONIC = 34, CS_ARCH_X86 = 3,
  CS_MODE_64 = 1 << 3, UC_HOOK_CODE_TYPE = 1 << 2 };
/* UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2) (Engine.TB_REMOVE_CACHE) */
#define CTL_TB_REMOVE_CACHE ((int) (9u | (2u << 26) | (1u << 30)))

typedef struct tscsites_s {
  /* shared with Java through a direct ByteBuffer over the first 104 bytes (NativeRdtsc's offsets) */
  int64_t reads;      /*  0: RDTSC reads answered here that VirtualClock has not folded into its count yet */
  int64_t other;      /*  8: host calls * cph + RDTSC reads * cpr + advances (VirtualClock writes it; + cpr a read) */
  int64_t cpi;        /* 16 */
  int64_t cpr;        /* 24: cycles per RDTSC read */
  int64_t interrupt;  /* 32: VirtualClock.interruptCycles, -1: none */
  int64_t running;    /* 40: 1 while a run is in progress (VirtualClock.beginRun .. endRun) */
  int64_t recording;  /* 48: 1: every value is appended to rec (RdtscVirtualizer.readListener) */
  int64_t rec_count;  /* 56: values (pairs tsc, aux) recorded */
  int64_t served;     /* 64: reads answered here (statistics) */
  int64_t handed;     /* 72: reads handed to Java (statistics) */
  int64_t positions;  /* 80: block positions told (statistics) */
  int64_t c_checks;   /* 88: new blocks decoded and hooked here, in the edge hook (statistics) */
  int64_t nsites;     /* 96: sites hooked here (site, hh) */
  /* fixed at creation */
  blockcount_t *bc;
  int64_t *ports_base; /* clock_ports.c's base (its first field) or NULL */
  mem_read_fn mem_read;
  reg_write_fn reg_write;
  int rax_id, rdx_id, rip_id;
  JavaVM *vm;
  jobject target;      /* global reference to the RdtscVirtualizer */
  jmethodID at_site;   /* void RdtscVirtualizer.atSiteFromC(long address, int size) */
  int64_t *rec;        /* tsc, aux pairs */
  int64_t rec_cap;     /* in pairs */
  int64_t rec_lost;
  struct { uint64_t pc; uint64_t site; uint32_t size; uint32_t icount; int64_t begun; } pos[TS_POS_SLOTS];
  /* the edge hook's own check (ts_check_in_c): Capstone and Unicorn entry points from the libraries JNA loaded */
  cs_open_fn cs_open;
  cs_disasm_fn cs_disasm;
  cs_free_fn cs_free;
  cs_close_fn cs_close;
  hook_add_fn hook_add;
  hook_del_fn hook_del;
  ctl_fn ctl;
  void *uc;           /* the engine the sites' hooks were added to */
  rdtscwatch_t *watch; /* the edge hook's state that checks here (its tsc points back), or NULL */
  uint64_t *sites;    /* nsites pairs: site, hook handle */
  int64_t sites_cap;
} tscsites_t;
/* the part Java sees (NativeRdtsc's offsets 0..96) ends where the fixed fields begin */
enum { TS_SHARED_BYTES = 104 };
_Static_assert(offsetof(tscsites_t, nsites) == 96 && offsetof(tscsites_t, bc) == TS_SHARED_BYTES,
    "tscsites_t's shared part must match NativeRdtsc's offsets");

static inline size_t ts_slot(uint64_t site, uint64_t pc) {
  return (size_t) (((site * 0x9E3779B97F4A7C15ULL) ^ (pc * 0xC2B2AE3D27D4EB4FULL)) >> 40) & (TS_POS_SLOTS - 1);
}

static void ts_record(tscsites_t *t, int64_t tsc, int64_t aux) {
  if (t->rec_count == t->rec_cap) {
    int64_t cap = t->rec_cap == 0 ? 256 : 2 * t->rec_cap;
    int64_t *n = realloc(t->rec, sizeof(int64_t) * 2 * (size_t) cap);
    if (n == NULL) {
      t->rec_lost++;
      return;
    }
    t->rec = n;
    t->rec_cap = cap;
  }
  t->rec[2 * t->rec_count] = tsc;
  t->rec[2 * t->rec_count + 1] = aux;
  t->rec_count++;
}

/* Java answers the read (RdtscVirtualizer.atSite): anything that is not the plain case. */
static void ts_to_java(void *uc, tscsites_t *t, uint64_t address, uint32_t size) {
  (void) uc;
  t->handed++;
  JNIEnv *env;
  if ((*t->vm)->GetEnv(t->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) return;
  (*env)->CallVoidMethod(env, t->target, t->at_site, (jlong) address, (jint) size);
  if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env); /* atSiteFromC catches every Throwable */
}

/* uc_cb_hookcode_t of an RDTSC site */
static void ts_site_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  tscsites_t *t = (tscsites_t *) user;
  blockcount_t *b = t->bc;
  if (!t->running || b->state != BC_RUNNING || b->counting != 1 || size != 2) {
    ts_to_java(uc, t, address, size);
    return;
  }
  bc_sync_cur(b);
  int64_t icount = b->cur_icount, begun = 0;
  if (icount > 1) {
    size_t s = ts_slot(address, (uint64_t) b->cur_addr);
    if (t->pos[s].site != address || t->pos[s].pc != (uint64_t) b->cur_addr || t->pos[s].size != (uint64_t) b->cur_size
        || t->pos[s].icount != (uint64_t) icount) {
      ts_to_java(uc, t, address, size);
      return;
    }
    begun = t->pos[s].begun;
  }
  uint8_t op[2];
  if (t->mem_read(uc, address, op, 2) != 0 || op[0] != 0x0F || op[1] != 0x31) {
    ts_to_java(uc, t, address, size); /* code rewritten since the hook was placed: Java leaves it alone */
    return;
  }
  uint64_t total = (uint64_t) b->total;
  uint64_t n = icount > 1 ? total - (uint64_t) icount + (uint64_t) begun : total;
  t->reads++;
  t->served++;
  uint64_t other = (uint64_t) t->other + (uint64_t) t->cpr;
  t->other = (int64_t) other;
  if (t->ports_base != NULL) *t->ports_base = (int64_t) other;
  if (t->interrupt >= 0) {
    int64_t need = (int64_t) ((uint64_t) t->interrupt - other);
    int64_t at;
    if (need <= 0) {
      at = 0;
    } else if (t->cpi == 0) {
      at = -1;
    } else {
      at = need / t->cpi + (need % t->cpi == 0 ? 0 : 1);
    }
    b->tick_at = at;
    bc_fast_update(b);
  }
  uint64_t tsc = n * (uint64_t) t->cpi + other;
  uint64_t rax = tsc & 0xFFFFFFFFULL, rdx = tsc >> 32;
  t->reg_write(uc, t->rax_id, &rax);
  t->reg_write(uc, t->rdx_id, &rdx);
  if (t->recording) ts_record(t, (int64_t) tsc, -1);
  /* BlockCounter.beforeRipWrite: the block's instructions after the site do not run */
  if (icount > 1) {
    b->total = (int64_t) (total - (uint64_t) icount + (uint64_t) begun);
    b->cur_icount = 0;
  }
  uint64_t rip = address + 2;
  t->reg_write(uc, t->rip_id, &rip);
}

/*
 * One Capstone handle per thread for the edge hook's decode (a handle's first decode sets up Capstone's x86 tables,
 * ~0.2 ms; machines built one after another on a thread share it), closed when the thread ends (the key's destructor).
 */
typedef struct {
  size_t handle;
  cs_close_fn close;
} ts_cs_t;
static pthread_key_t ts_cs_key;
static pthread_once_t ts_cs_once = PTHREAD_ONCE_INIT;

static void ts_cs_free(void *v) {
  ts_cs_t *c = (ts_cs_t *) v;
  if (c->handle != 0) c->close(&c->handle);
  free(c);
}

static void ts_cs_key_create(void) {
  pthread_key_create(&ts_cs_key, ts_cs_free);
}

static size_t ts_cs_handle(tscsites_t *t) {
  pthread_once(&ts_cs_once, ts_cs_key_create);
  ts_cs_t *c = pthread_getspecific(ts_cs_key);
  if (c != NULL) return c->handle;
  c = calloc(1, sizeof *c);
  if (c == NULL) return 0;
  if (t->cs_open(CS_ARCH_X86, CS_MODE_64, &c->handle) != 0) {
    free(c);
    return 0;
  }
  c->close = t->cs_close;
  if (pthread_setspecific(ts_cs_key, c) != 0) {
    ts_cs_free(c);
    return 0;
  }
  return c->handle;
}

static int ts_has_site(const tscsites_t *t, uint64_t site) {
  for (int64_t i = 0; i < t->nsites; i++) {
    if (t->sites[2 * i] == site) return 1;
  }
  return 0;
}

/*
 * The RDTSC discovery's check of a new block, made here instead of in Java (RdtscVirtualizer.hookInstructions) when
 * the block's candidate bytes are RDTSC's only (0F 31; RDTSCP and PrivilegedInstructions' instructions go to Java):
 * Capstone decodes the block, every RDTSC it finds gets this file's site hook (uc_hook_add; a site hooked before keeps
 * its hook) and its position in the block (ts_position's table), and the block's translation is dropped
 * (UC_CTL_TB_REMOVE_CACHE) so that it is translated again with the hooks. 0: not done here (the caller asks Java).
 */
static int ts_check_in_c(void *uc, tscsites_t *t, const uint8_t *bytes, uint64_t pc, size_t size) {
  if (t->cs_disasm == NULL || t->hook_add == NULL || size == 0) return 0;
  for (size_t i = 0; i + 1 < size; i++) {
    if (bytes[i] != 0x0F) continue;
    uint8_t b1 = bytes[i + 1];
    if ((b1 == 0x01 && i + 2 < size && bytes[i + 2] == 0xF9) || b1 == 0x30 || b1 == 0x32 || b1 == 0x22 || b1 == 0x05
        || b1 == 0x07) {
      return 0;
    }
  }
  size_t h = ts_cs_handle(t);
  if (h == 0) return 0;
  void *insn = NULL;
  size_t n = t->cs_disasm(h, bytes, size, pc, 0, &insn);
  if (n == 0) return 0;
  size_t covered = 0;
  for (size_t i = 0; i < n; i++) covered += *(const uint16_t *) ((const char *) insn + i * CS_INSN_SIZE + CS_OFF_SIZE);
  int ok = covered == size;
  /* hooks first: a failure leaves the block to Java with nothing changed but the sites already hooked */
  for (size_t i = 0; ok && i < n; i++) {
    const char *in = (const char *) insn + i * CS_INSN_SIZE;
    if (strcmp(in + CS_OFF_MNEMONIC, "rdtsc") != 0) continue;
    uint64_t site = *(const uint64_t *) (in + CS_OFF_ADDRESS);
    if (ts_has_site(t, site)) continue;
    if (t->nsites == t->sites_cap) {
      int64_t cap = t->sites_cap == 0 ? 16 : 2 * t->sites_cap;
      uint64_t *m = realloc(t->sites, sizeof(uint64_t) * 2 * (size_t) cap);
      if (m == NULL) {
        ok = 0;
        break;
      }
      t->sites = m;
      t->sites_cap = cap;
    }
    size_t hh = 0;
    if (t->hook_add(uc, &hh, UC_HOOK_CODE_TYPE, (void *) &ts_site_hook, t, site, site) != 0) {
      ok = 0;
      break;
    }
    t->uc = uc;
    t->sites[2 * t->nsites] = site;
    t->sites[2 * t->nsites + 1] = hh;
    t->nsites++;
  }
  for (size_t i = 0; ok && i < n; i++) {
    const char *in = (const char *) insn + i * CS_INSN_SIZE;
    if (strcmp(in + CS_OFF_MNEMONIC, "rdtsc") != 0) continue;
    uint64_t site = *(const uint64_t *) (in + CS_OFF_ADDRESS);
    size_t s = ts_slot(site, pc);
    t->pos[s].pc = pc;
    t->pos[s].site = site;
    t->pos[s].size = (uint32_t) size;
    t->pos[s].icount = (uint32_t) n;
    t->pos[s].begun = (int64_t) i + 1;
    t->positions++;
  }
  t->cs_free(insn, n);
  if (!ok) return 0;
  if (t->ctl(uc, CTL_TB_REMOVE_CACHE, pc, pc + size) != 0) return 0;
  t->c_checks++;
  return 1;
}

/* The edge hook checks blocks here from now on (RdtscDiscovery's state `watch`), with these entry points. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_checkInEdgeHook(JNIEnv *env, jclass cls, jlong handle,
    jlong watch, jlong csOpen, jlong csDisasm, jlong csFree, jlong csClose, jlong hookAdd, jlong hookDel, jlong ctl) {
  (void) env;
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  t->cs_open = (cs_open_fn) (intptr_t) csOpen;
  t->cs_disasm = (cs_disasm_fn) (intptr_t) csDisasm;
  t->cs_free = (cs_free_fn) (intptr_t) csFree;
  t->cs_close = (cs_close_fn) (intptr_t) csClose;
  t->hook_add = (hook_add_fn) (intptr_t) hookAdd;
  t->hook_del = (hook_del_fn) (intptr_t) hookDel;
  t->ctl = (ctl_fn) (intptr_t) ctl;
  t->watch = (rdtscwatch_t *) (intptr_t) watch;
  t->watch->tsc = t;
}

/* A site Java hooked (its hook is Java's: hook handle 0 here): the edge hook's check does not hook it again. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_knownSite(JNIEnv *env, jclass cls, jlong handle,
    jlong site) {
  (void) env;
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  if (ts_has_site(t, (uint64_t) site)) return;
  if (t->nsites == t->sites_cap) {
    int64_t cap = t->sites_cap == 0 ? 16 : 2 * t->sites_cap;
    uint64_t *m = realloc(t->sites, sizeof(uint64_t) * 2 * (size_t) cap);
    if (m == NULL) {
      t->cs_disasm = NULL; /* cannot tell it: no more checks here (Java checks every block) */
      return;
    }
    t->sites = m;
    t->sites_cap = cap;
  }
  t->sites[2 * t->nsites] = (uint64_t) site;
  t->sites[2 * t->nsites + 1] = 0;
  t->nsites++;
}

/* The sites hooked here (not Java's), in the order hooked. */
JNIEXPORT jlongArray JNICALL Java_org_efiemu_core_clock_NativeRdtsc_sites(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  jsize mine = 0;
  for (int64_t i = 0; i < t->nsites; i++) mine += t->sites[2 * i + 1] != 0;
  jlongArray a = (*env)->NewLongArray(env, mine);
  jsize j = 0;
  for (int64_t i = 0; a != NULL && i < t->nsites; i++) {
    if (t->sites[2 * i + 1] == 0) continue;
    jlong v = (jlong) t->sites[2 * i];
    (*env)->SetLongArrayRegion(env, a, j++, 1, &v);
  }
  return a;
}

/* Removes the hooks added here (uc_hook_del; the engine must still be open), before the state is destroyed. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_deleteHooks(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  for (int64_t i = 0; i < t->nsites; i++) {
    if (t->sites[2 * i + 1] != 0) t->hook_del(t->uc, (size_t) t->sites[2 * i + 1]);
  }
  t->nsites = 0;
  t->cs_disasm = NULL; /* no more checks here */
  if (t->watch != NULL) t->watch->tsc = NULL; /* the edge hook (still there) checks in Java */
  t->watch = NULL;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeRdtsc_create(JNIEnv *env, jclass cls, jobject virtualizer,
    jlong blockCounter, jlong memRead, jlong regWrite, jint raxId, jint rdxId, jint ripId) {
  (void) cls;
  jclass vc = (*env)->GetObjectClass(env, virtualizer);
  jmethodID m = (*env)->GetMethodID(env, vc, "atSiteFromC", "(JI)V");
  if (m == NULL) return 0;
  tscsites_t *t = calloc(1, sizeof(tscsites_t));
  if (t == NULL) return 0;
  t->bc = (blockcount_t *) (intptr_t) blockCounter;
  t->mem_read = (mem_read_fn) (intptr_t) memRead;
  t->reg_write = (reg_write_fn) (intptr_t) regWrite;
  t->rax_id = raxId;
  t->rdx_id = rdxId;
  t->rip_id = ripId;
  t->interrupt = -1;
  t->vm = g_vm;
  t->target = (*env)->NewGlobalRef(env, virtualizer);
  t->at_site = m;
  return (jlong) (intptr_t) t;
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_clock_NativeRdtsc_state(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) handle, TS_SHARED_BYTES);
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_NativeRdtsc_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &ts_site_hook;
}

/* clock_ports.c's state (its base, the first field, follows every read answered here), or 0: none. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_portsBase(JNIEnv *env, jclass cls, jlong handle,
    jlong ports) {
  (void) env;
  (void) cls;
  ((tscsites_t *) (intptr_t) handle)->ports_base = (int64_t *) (intptr_t) ports;
}

/* The RDTSC at `site` is instruction `begun` (1 = the first) of the block [pc, pc + size) of `icount` instructions. */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_position(JNIEnv *env, jclass cls, jlong handle,
    jlong pc, jint size, jint icount, jlong site, jint begun) {
  (void) env;
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  size_t s = ts_slot((uint64_t) site, (uint64_t) pc);
  t->pos[s].pc = (uint64_t) pc;
  t->pos[s].site = (uint64_t) site;
  t->pos[s].size = (uint32_t) size;
  t->pos[s].icount = (uint32_t) icount;
  t->pos[s].begun = begun;
  t->positions++;
}

/* Appends a value Java answered (recording: the listener gets every value in order at the next drain). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_record(JNIEnv *env, jclass cls, jlong handle, jlong tsc,
    jlong aux) {
  (void) env;
  (void) cls;
  ts_record((tscsites_t *) (intptr_t) handle, tsc, aux);
}

/* The recorded (tsc, aux) pairs, forgotten; NULL when some could not be recorded (no memory). */
JNIEXPORT jlongArray JNICALL Java_org_efiemu_core_clock_NativeRdtsc_drain(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  jsize n = (jsize) (2 * t->rec_count);
  t->rec_count = 0;
  if (t->rec_lost != 0) {
    t->rec_lost = 0;
    return NULL;
  }
  jlongArray a = (*env)->NewLongArray(env, n);
  if (a != NULL && n > 0) (*env)->SetLongArrayRegion(env, a, 0, n, (const jlong *) t->rec);
  return a;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_NativeRdtsc_destroy(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  tscsites_t *t = (tscsites_t *) (intptr_t) handle;
  if (t == NULL) return;
  if (t->target != NULL) (*env)->DeleteGlobalRef(env, t->target);
  free(t->rec);
  free(t->sites);
  free(t);
}
