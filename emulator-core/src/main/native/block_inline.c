/*
 * Inline block counting for Debian's libunicorn2 2.0.1.post1-1+b1 (Java side: org.efiemu.core.clock.InlineBlockCounting
 * and BlockCounter; the counter itself is in efiemu_gate.c).
 *
 * Why: with one UC_HOOK_BLOCK hook, Unicorn 2.0.1 emits at the start of every translated block a call of the hook's
 * callback (gen_uc_tracecode -> uc->add_inline_hook -> tcg_gen_callN with the helper flags 0). GRUB runs 3.2
 * instructions per block, so that call (block_hook: flag checks, cache lookup, budget) was about a third of efiemu's
 * time in GRUB's long stretches (docs/performance.md, "Real loaders' code: efiemu vs raw Unicorn").
 *
 * What: uc->add_inline_hook is a function pointer in each engine's uc_struct (at +0x158 in this build; checked to
 * hold uc_add_inline_hook_x86_64 before it is replaced). For the block counter's hook (callback block_hook, user data
 * a counter with inline counting on) the replacement emits, in place of the call:
 *
 *     l_size = size (TCG local: Unicorn patches the size constant after translating the block)
 *     l_pc = pc (TCG local)
 *     if (b->total + slot->icount > b->fast_max) goto slow          (unsigned)
 *     b->total += slot->icount; b->cur_icount = slot->icount; b->cur_addr = l_pc; b->cur_size = l_size; b->blocks++
 *     goto done
 *   slow:
 *     efiemu_block_hook_slot(uc, l_pc, l_size, slot)                 (block_hook, then slot->icount, fast_max)
 *   done:
 *
 * with a slot of its own per translation (efiemu_block_new_slot). The call is emitted by Unicorn's own
 * add_inline_hook (a struct hook copy whose callback is efiemu_block_hook_slot), so its helper info is registered as
 * for any inline hook. Any other hook, a counter with inline counting off, or no slot left: Unicorn's own function,
 * i.e. the call of block_hook as before. Two or more block hooks: Unicorn does not inline and calls
 * helper_uc_tracecode, which calls block_hook.
 *
 * Opcode numbers and struct offsets are those of the 2.0.1.post1 sources (qemu/include/tcg/tcg-opc.h, tcg.h,
 * uc_priv.h) for this build, checked at install: GNU build-id, symbols at their offsets, and the opcode constants in
 * the machine code of tcg_gen_addi_i64 (mov_i64), tcg_gen_brcond_i64 (brcond_i64, br, the label's refs) and the
 * translator's call through uc + 0x158.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <jni.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unicorn_build.h"

/* efiemu_gate.c */
void efiemu_block_hook_slot(void *uc, uint64_t address, uint32_t size, void *user);
void *efiemu_block_hook_function(void);
void *efiemu_block_new_slot(void *user);


enum {
  OFF_ADD_INLINE_HOOK = 0x3e9280, /* uc_add_inline_hook_x86_64 */
  OFF_TCG_GEN_ADDI_I64 = 0x3f1840,
  OFF_TCG_GEN_BRCOND_I64 = 0x3f1e00,
  OFF_TRANSLATOR_CALL = 0x45179f, /* translator_loop_x86_64: call *0x158(%rbx) (uc->add_inline_hook) */
  UC_ADD_INLINE_HOOK = 0x158,     /* uc_struct.add_inline_hook */
  UC_TCG_CTX = 0x2c0,             /* uc_struct.tcg_ctx */
  HOOK_TYPE = 0x0,                /* struct hook.type */
  HOOK_CALLBACK = 0x28,           /* struct hook.callback */
  HOOK_USER_DATA = 0x30,          /* struct hook.user_data */
  HOOK_SIZE = 0x40,
  UC_HOOK_BLOCK = 1 << 3,
  LABEL_REFS = 2,                 /* TCGLabel: present:1 has_value:1 id:14 (first 16 bits), refs:16 */
};

/* TCGOpcode (tcg-opc.h order) */
enum { OP_SET_LABEL = 1, OP_BR = 3, OP_MOV_I32 = 5, OP_ST_I32 = 16, OP_MOV_I64 = 63, OP_LD_I64 = 73, OP_ST_I64 = 77,
  OP_ADD_I64 = 78 };
enum { TCG_TYPE_I32 = 0, TCG_TYPE_I64 = 1, TCG_COND_GTU = 8 | 4 | 0 | 1 };
/* blockcount_t offsets (efiemu_gate.c, static-asserted there) */
enum { B_TOTAL = 0, B_CUR_ADDR = 16, B_CUR_SIZE = 24, B_CUR_ICOUNT = 32, B_BLOCKS = 56, B_FAST_MAX = 112 };

typedef uintptr_t arg_t;  /* TCGArg */
typedef uintptr_t tcgv_t; /* TCGv_*: a TCGTemp's offset from the TCGContext */
typedef void (*add_inline_hook_fn)(void *uc, void *hk, void **args, int n);
typedef void *(*temp_new_fn)(void *s, int type, _Bool local);
typedef void (*temp_free_fn)(void *s, void *temp);
typedef tcgv_t (*const_i64_fn)(void *s, int64_t v);
typedef void *(*new_label_fn)(void *s);
typedef void (*op1_fn)(void *s, int opc, arg_t a1);
typedef void (*op2_fn)(void *s, int opc, arg_t a1, arg_t a2);
typedef void (*op3_fn)(void *s, int opc, arg_t a1, arg_t a2, arg_t a3);
typedef void (*brcond_i64_fn)(void *s, int cond, tcgv_t a1, tcgv_t a2, void *label);

static add_inline_hook_fn o_add_inline_hook;
static temp_new_fn f_temp_new;
static temp_free_fn f_temp_free;
static const_i64_fn f_const_i64;
static new_label_fn f_new_label;
static op1_fn f_op1;
static op2_fn f_op2;
static op3_fn f_op3;
static brcond_i64_fn f_brcond_i64;
static void *block_hook_fn;
/* what add_inline_hook reads of a struct hook: type and callback (efiemu_block_hook_slot's helper info) */
static _Alignas(8) unsigned char slot_hook[HOOK_SIZE];

static pthread_mutex_t bi_lock = PTHREAD_MUTEX_INITIALIZER;
static int bi_installed; /* 1: ready; -1: refused */
static char bi_reason[512];

static inline arg_t targ(void *s, tcgv_t v) {
  return (arg_t) ((char *) s + v);
}

static void emit_inline(void *uc, void *s, void *b, void *slot, void **args) {
  void *tsize = args[2]; /* TCGTemp* of the size constant Unicorn patches */
  void *tpc = args[1];
  void *l_size = f_temp_new(s, TCG_TYPE_I32, 1);
  void *l_pc = f_temp_new(s, TCG_TYPE_I64, 1);
  f_op2(s, OP_MOV_I32, (arg_t) l_size, (arg_t) tsize);
  f_op2(s, OP_MOV_I64, (arg_t) l_pc, (arg_t) tpc);
  void *slow = f_new_label(s);
  void *done = f_new_label(s);

  /* the test */
  tcgv_t pb = f_const_i64(s, (int64_t) (intptr_t) b);
  tcgv_t ps = f_const_i64(s, (int64_t) (intptr_t) slot);
  void *tot = f_temp_new(s, TCG_TYPE_I64, 0);
  void *ic = f_temp_new(s, TCG_TYPE_I64, 0);
  void *mx = f_temp_new(s, TCG_TYPE_I64, 0);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_LD_I64, (arg_t) ic, targ(s, ps), 0);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, (arg_t) ic);
  f_op3(s, OP_LD_I64, (arg_t) mx, targ(s, pb), B_FAST_MAX);
  f_brcond_i64(s, TCG_COND_GTU, (tcgv_t) ((char *) tot - (char *) s), (tcgv_t) ((char *) mx - (char *) s), slow);
  f_temp_free(s, (void *) targ(s, pb));
  f_temp_free(s, (void *) targ(s, ps));

  /* counted here (a new basic block: the temps above are dead) */
  pb = f_const_i64(s, (int64_t) (intptr_t) b);
  ps = f_const_i64(s, (int64_t) (intptr_t) slot);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_LD_I64, (arg_t) ic, targ(s, ps), 0);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, (arg_t) ic);
  f_op3(s, OP_ST_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_ST_I64, (arg_t) ic, targ(s, pb), B_CUR_ICOUNT);
  f_op3(s, OP_ST_I64, (arg_t) l_pc, targ(s, pb), B_CUR_ADDR);
  f_op3(s, OP_ST_I32, (arg_t) l_size, targ(s, pb), B_CUR_SIZE); /* low half; the high half is always 0 */
  tcgv_t one = f_const_i64(s, 1);
  f_op3(s, OP_LD_I64, (arg_t) mx, targ(s, pb), B_BLOCKS);
  f_op3(s, OP_ADD_I64, (arg_t) mx, (arg_t) mx, targ(s, one));
  f_op3(s, OP_ST_I64, (arg_t) mx, targ(s, pb), B_BLOCKS);
  f_temp_free(s, (void *) targ(s, one));
  f_temp_free(s, (void *) targ(s, pb));
  f_temp_free(s, (void *) targ(s, ps));
  f_temp_free(s, tot);
  f_temp_free(s, ic);
  f_temp_free(s, mx);
  ++*(uint16_t *) ((char *) done + LABEL_REFS); /* tcg_gen_br */
  f_op1(s, OP_BR, (arg_t) done);

  /* the call */
  *(uint8_t *) slow |= 1; /* gen_set_label: present */
  f_op1(s, OP_SET_LABEL, (arg_t) slow);
  tcgv_t cu = f_const_i64(s, (int64_t) (intptr_t) uc);
  tcgv_t cs = f_const_i64(s, (int64_t) (intptr_t) slot);
  void *cargs[4] = {(void *) targ(s, cu), l_pc, l_size, (void *) targ(s, cs)};
  o_add_inline_hook(uc, slot_hook, cargs, 4);
  f_temp_free(s, (void *) targ(s, cu));
  f_temp_free(s, (void *) targ(s, cs));

  *(uint8_t *) done |= 1;
  f_op1(s, OP_SET_LABEL, (arg_t) done);
  f_temp_free(s, l_pc);
  f_temp_free(s, l_size);
}

static void w_add_inline_hook(void *uc, void *hk, void **args, int n) {
  if (n == 4 && *(int *) ((char *) hk + HOOK_TYPE) == UC_HOOK_BLOCK
      && *(void **) ((char *) hk + HOOK_CALLBACK) == block_hook_fn) {
    void *b = *(void **) ((char *) hk + HOOK_USER_DATA);
    void *slot = efiemu_block_new_slot(b);
    if (slot != NULL) {
      emit_inline(uc, *(void **) ((char *) uc + UC_TCG_CTX), b, slot, args);
      return;
    }
  }
  o_add_inline_hook(uc, hk, args, n);
}


/* Code bytes the emitter relies on: opcode numbers, the label's refs field, the translator's indirect call. */
static const struct {
  uint32_t off;
  uint8_t len;
  uint8_t bytes[8];
  const char *what;
} BI_CODE[] = {
    {0x3f1867, 5, {0xbe, 0x3f, 0x00, 0x00, 0x00}, "tcg_gen_addi_i64: mov $INDEX_op_mov_i64 (63)"},
    {0x3f1e14, 6, {0x66, 0x41, 0x83, 0x40, 0x02, 0x01}, "tcg_gen_brcond_i64: label refs += 1 at +2"},
    {0x3f1e33, 5, {0xbe, 0x67, 0x00, 0x00, 0x00}, "tcg_gen_brcond_i64: mov $INDEX_op_brcond_i64 (103)"},
    {0x3f1e51, 5, {0xbe, 0x03, 0x00, 0x00, 0x00}, "tcg_gen_brcond_i64: mov $INDEX_op_br (3)"},
    {OFF_TRANSLATOR_CALL, 6, {0xff, 0x93, 0x58, 0x01, 0x00, 0x00}, "translator_loop: call *0x158(%rbx)"},
    {0x3e92b2, 4, {0x49, 0x8b, 0x55, 0x28}, "uc_add_inline_hook: hook->callback at +0x28"},
    {0x3e92e5, 4, {0x45, 0x8b, 0x4d, 0x00}, "uc_add_inline_hook: hook->type at +0"},
    {0x3e92b6, 7, {0x4d, 0x8b, 0xb4, 0x24, 0xc0, 0x02, 0x00}, "uc_add_inline_hook: uc->tcg_ctx at +0x2c0"},
};

static int bi_check_locked(uintptr_t any_function, void **found_out) {
  Dl_info di;
  if (dladdr((void *) any_function, &di) == 0 || di.dli_fbase == NULL) {
    snprintf(bi_reason, sizeof bi_reason, "the Unicorn library's load address is unknown (dladdr)");
    return 0;
  }
  uintptr_t base = (uintptr_t) di.dli_fbase;
  const char *file = di.dli_fname != NULL ? di.dli_fname : "?";
  if (!efiemu_unicorn_build_known(base)) {
    snprintf(bi_reason, sizeof bi_reason,
        "%s is not Debian's libunicorn2 2.0.1.post1-1+b1 (GNU build-id f439d3d09a3fefbcc7d4014bd3f67c12d55957e6): "
        "each block calls the counter's hook", file);
    return 0;
  }
  void *lib = dlopen(file, RTLD_NOW | RTLD_NOLOAD);
  if (lib == NULL) {
    snprintf(bi_reason, sizeof bi_reason, "%s: dlopen(RTLD_NOLOAD) failed", file);
    return 0;
  }
  static const struct { const char *name; uintptr_t off; } syms[] = {
      {"uc_add_inline_hook_x86_64", OFF_ADD_INLINE_HOOK}, {"tcg_gen_addi_i64_x86_64", OFF_TCG_GEN_ADDI_I64},
      {"tcg_gen_brcond_i64_x86_64", OFF_TCG_GEN_BRCOND_I64}, {"tcg_temp_new_internal_x86_64", 0},
      {"tcg_temp_free_internal_x86_64", 0}, {"tcg_const_i64_x86_64", 0}, {"gen_new_label_x86_64", 0},
      {"tcg_gen_op1_x86_64", 0}, {"tcg_gen_op2_x86_64", 0}, {"tcg_gen_op3_x86_64", 0}};
  void *found[sizeof syms / sizeof syms[0]];
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *p = dlsym(lib, syms[i].name);
    if (p == NULL || dladdr(p, &di) == 0 || (uintptr_t) di.dli_fbase != base
        || (syms[i].off != 0 && (uintptr_t) p != base + syms[i].off)) {
      snprintf(bi_reason, sizeof bi_reason, "%s: %s is not where this build has it", file, syms[i].name);
      dlclose(lib);
      return 0;
    }
    found[i] = p;
  }
  dlclose(lib); /* RTLD_NOLOAD: only drops the reference just taken; JNA keeps the library loaded */
  for (size_t i = 0; i < sizeof BI_CODE / sizeof BI_CODE[0]; i++) {
    if (memcmp((const void *) (base + BI_CODE[i].off), BI_CODE[i].bytes, BI_CODE[i].len) != 0) {
      snprintf(bi_reason, sizeof bi_reason, "%s: code at +0x%x is not %s", file, BI_CODE[i].off, BI_CODE[i].what);
      return 0;
    }
  }
  snprintf(bi_reason, sizeof bi_reason, "%s (Debian libunicorn2 2.0.1.post1-1+b1)", file);
  if (found_out != NULL) memcpy(found_out, found, sizeof found);
  return 1;
}

static int bi_install_locked(uintptr_t any_function) {
  void *found[16];
  if (!bi_check_locked(any_function, found)) return 0;
  o_add_inline_hook = (add_inline_hook_fn) found[0];
  f_brcond_i64 = (brcond_i64_fn) found[2];
  f_temp_new = (temp_new_fn) found[3];
  f_temp_free = (temp_free_fn) found[4];
  f_const_i64 = (const_i64_fn) found[5];
  f_new_label = (new_label_fn) found[6];
  f_op1 = (op1_fn) found[7];
  f_op2 = (op2_fn) found[8];
  f_op3 = (op3_fn) found[9];
  block_hook_fn = efiemu_block_hook_function();
  *(int *) (slot_hook + HOOK_TYPE) = UC_HOOK_BLOCK;
  void *slow = (void *) &efiemu_block_hook_slot;
  memcpy(slot_hook + HOOK_CALLBACK, &slow, sizeof slow);
  return 1;
}

/* The checks alone, for the library holding `anyFunction` (nothing installed): null when it is the known build. */
JNIEXPORT jstring JNICALL Java_org_efiemu_core_clock_InlineBlockCounting_check0(JNIEnv *env, jclass cls,
    jlong anyFunction) {
  (void) cls;
  pthread_mutex_lock(&bi_lock);
  char saved[sizeof bi_reason];
  memcpy(saved, bi_reason, sizeof saved);
  int ok = bi_check_locked((uintptr_t) anyFunction, NULL);
  jstring r = ok ? NULL : (*env)->NewStringUTF(env, bi_reason);
  memcpy(bi_reason, saved, sizeof saved);
  pthread_mutex_unlock(&bi_lock);
  return r;
}

/* null when the library is the known build (checked once per process); otherwise why not. */
JNIEXPORT jstring JNICALL Java_org_efiemu_core_clock_InlineBlockCounting_install0(JNIEnv *env, jclass cls,
    jlong anyUnicornFunction) {
  (void) cls;
  pthread_mutex_lock(&bi_lock);
  if (!bi_installed) bi_installed = bi_install_locked((uintptr_t) anyUnicornFunction) ? 1 : -1;
  int ok = bi_installed == 1;
  jstring r = (*env)->NewStringUTF(env, bi_reason);
  pthread_mutex_unlock(&bi_lock);
  return ok ? NULL : r;
}

JNIEXPORT jstring JNICALL Java_org_efiemu_core_clock_InlineBlockCounting_library0(JNIEnv *env, jclass cls) {
  (void) cls;
  pthread_mutex_lock(&bi_lock);
  jstring r = (*env)->NewStringUTF(env, bi_reason);
  pthread_mutex_unlock(&bi_lock);
  return r;
}

/*
 * Lets an engine's translator emit inline counting: its uc->add_inline_hook (Unicorn's own function, checked) becomes
 * w_add_inline_hook, which hands every hook but an inline-on counter's back to it. 1: done (or done before).
 */
JNIEXPORT jint JNICALL Java_org_efiemu_core_clock_InlineBlockCounting_attach0(JNIEnv *env, jclass cls, jlong ucHandle) {
  (void) env;
  (void) cls;
  if (bi_installed != 1 || ucHandle == 0) return 0;
  void **slot = (void **) ((char *) (intptr_t) ucHandle + UC_ADD_INLINE_HOOK);
  void *cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (cur == (void *) &w_add_inline_hook) return 1;
  if (cur != (void *) o_add_inline_hook) return 0;
  if (*(void **) ((char *) (intptr_t) ucHandle + UC_TCG_CTX) == NULL) return 0;
  __atomic_store_n(slot, (void *) &w_add_inline_hook, __ATOMIC_RELEASE);
  return 1;
}
