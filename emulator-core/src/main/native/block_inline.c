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
 * a counter with inline counting on) the replacement emits, in place of the call (emit_inline_tb):
 *
 *     b->total += tb->icount; if (b->total > b->fast_max) goto slow      (unsigned; counted first, taken back below)
 *     b->cur_tb = tb; b->blocks++; goto done
 *   slow:
 *     efiemu_block_hook_tb_undo(uc, tb, 0, b)         (total -= tb->icount; block_hook(tb->pc, tb->size); fast_max)
 *   done:
 *
 * cur_tb stands for the block's start, size and instruction count (tb->pc, tb->size, tb->icount), which the counter
 * reads only when something inside the block needs them (efiemu_gate.c's bc_sync_cur, clock_ports.c). Until 2026-12
 * the ops tested first and then, in a new TCG basic block, loaded and counted again and stored total, cur_icount,
 * cur_addr and cur_size (pc and size kept in TCG local temps for the call: two more stores a block): 7 stores and 8
 * loads a block against 3 and 4 now, 6.5 ns against ~2.5 ns over raw Unicorn on GRUB's 3-block PM-timer loop
 * (docs/performance.md, "Inline block counting: count first, one pointer for the block").
 *
 * The count: Unicorn writes the block's instruction count into its TranslationBlock (tb->icount, what the block hook's
 * uc_ctl lookup returns) at the end of translator_loop, before tb_gen_code generates host code, so before the block's
 * first run. The TranslationBlock being translated is found from the TCG context (translating_tb: tb_gen_code puts it
 * just before code_gen_ptr and sets tb->tc.ptr to it), and the ops load its icount (ld16u) instead of `*slot`: every
 * run counts inline, the first one too. Where that cannot be used (a translation with cflags other than the cluster:
 * the one-instruction block Unicorn makes to rerun a store into the running block, which block_hook's lookup must
 * refuse; or the TranslationBlock not found) the count comes
 * from a slot of its own per translation (efiemu_block_new_slot), which starts unknown (larger than any fast_max), so
 * that translation's first run calls the hook, which fills the slot; those ops (emit_inline_from) test first, store
 * the block's start, size and count themselves and set cur_tb to 0. The call is emitted by Unicorn's own
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
void efiemu_block_hook_tb_undo(void *uc, uint64_t tb, uint32_t size, void *user);
int efiemu_block_cur_tb_reused(void *user, void *tb, uintptr_t tb_size);
int efiemu_block_tb_translation(void *user);


enum {
  OFF_ADD_INLINE_HOOK = 0x3e9280, /* uc_add_inline_hook_x86_64 */
  OFF_TCG_GEN_ADDI_I64 = 0x3f1840,
  OFF_TCG_GEN_BRCOND_I64 = 0x3f1e00,
  OFF_TRANSLATOR_CALL = 0x45179f, /* translator_loop_x86_64: call *0x158(%rbx) (uc->add_inline_hook) */
  OFF_TCG_TB_ALLOC = 0x3e6780,    /* tcg_tb_alloc_x86_64 */
  OFF_TB_GEN_CODE = 0x4003c0,     /* tb_gen_code_x86_64 */
  OFF_TRANSLATOR_LOOP = 0x451590, /* translator_loop_x86_64 */
  UC_ICACHE_LINESIZE = 0x778,     /* uc_struct.qemu_icache_linesize (int) */
  TCG_CODE_GEN_PTR = 0xc0,        /* TCGContext.code_gen_ptr */
  TB_SIZEOF = 160,                /* sizeof(TranslationBlock) */
  TB_PC = 0x0,                    /* TranslationBlock.pc */
  TB_SIZE = 0x14,                 /* TranslationBlock.size (uint16_t) */
  TB_ICOUNT = 0x16,               /* TranslationBlock.icount (uint16_t) */
  TB_CFLAGS = 0x18,               /* TranslationBlock.cflags (uint32_t) */
  TB_TC_PTR = 0x20,               /* TranslationBlock.tc.ptr */
  CF_NOT_CLUSTER = 0x00ffffff,    /* cflags but the cluster index: count, LAST_IO, NOCACHE, USE_ICOUNT, INVALID, PARALLEL */
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
enum { OP_SET_LABEL = 1, OP_BR = 3, OP_MOV_I32 = 5, OP_ST_I32 = 16, OP_MOV_I64 = 63, OP_LD16U_I64 = 69, OP_LD_I64 = 73,
  OP_ST_I64 = 77, OP_ADD_I64 = 78 };
enum { TCG_TYPE_I32 = 0, TCG_TYPE_I64 = 1, TCG_COND_GTU = 8 | 4 | 0 | 1 };
/* blockcount_t offsets (efiemu_gate.c, static-asserted there) */
enum { B_TOTAL = 0, B_CUR_ADDR = 16, B_CUR_SIZE = 24, B_CUR_ICOUNT = 32, B_BLOCKS = 56, B_FAST_MAX = 112,
  B_CUR_TB = 152 };

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
/* the same for blocks whose count is read from their own TranslationBlock (callback efiemu_block_hook_tb_undo, which
   takes back the count the ops added first, then runs block_hook) */
static _Alignas(8) unsigned char tb_undo_hook[HOOK_SIZE];

static pthread_mutex_t bi_lock = PTHREAD_MUTEX_INITIALIZER;
static int bi_installed; /* 1: ready; -1: refused */
static char bi_reason[512];

static inline arg_t targ(void *s, tcgv_t v) {
  return (arg_t) ((char *) s + v);
}

/*
 * Emits the inline count. The block's instruction count is loaded with `ld_op` from `src + src_off` (a slot's icount,
 * or the translation's own TranslationBlock.icount); the call, when the test fails, is `hook`'s callback with `user`.
 */
static void emit_inline_from(void *uc, void *s, void *b, void *src, uintptr_t src_off, int ld_op, void *hook,
    void *user, void **args) {
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
  tcgv_t ps = f_const_i64(s, (int64_t) (intptr_t) src);
  void *tot = f_temp_new(s, TCG_TYPE_I64, 0);
  void *ic = f_temp_new(s, TCG_TYPE_I64, 0);
  void *mx = f_temp_new(s, TCG_TYPE_I64, 0);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, ld_op, (arg_t) ic, targ(s, ps), src_off);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, (arg_t) ic);
  f_op3(s, OP_LD_I64, (arg_t) mx, targ(s, pb), B_FAST_MAX);
  f_brcond_i64(s, TCG_COND_GTU, (tcgv_t) ((char *) tot - (char *) s), (tcgv_t) ((char *) mx - (char *) s), slow);
  f_temp_free(s, (void *) targ(s, pb));
  f_temp_free(s, (void *) targ(s, ps));

  /* counted here (a new basic block: the temps above are dead) */
  pb = f_const_i64(s, (int64_t) (intptr_t) b);
  ps = f_const_i64(s, (int64_t) (intptr_t) src);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, ld_op, (arg_t) ic, targ(s, ps), src_off);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, (arg_t) ic);
  f_op3(s, OP_ST_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_ST_I64, (arg_t) ic, targ(s, pb), B_CUR_ICOUNT);
  f_op3(s, OP_ST_I64, (arg_t) l_pc, targ(s, pb), B_CUR_ADDR);
  f_op3(s, OP_ST_I32, (arg_t) l_size, targ(s, pb), B_CUR_SIZE); /* low half; the high half is always 0 */
  tcgv_t zero = f_const_i64(s, 0);
  f_op3(s, OP_ST_I64, targ(s, zero), targ(s, pb), B_CUR_TB); /* the stored ones hold, not a TranslationBlock's */
  f_temp_free(s, (void *) targ(s, zero));
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
  tcgv_t cs = f_const_i64(s, (int64_t) (intptr_t) user);
  void *cargs[4] = {(void *) targ(s, cu), l_pc, l_size, (void *) targ(s, cs)};
  o_add_inline_hook(uc, hook, cargs, 4);
  f_temp_free(s, (void *) targ(s, cu));
  f_temp_free(s, (void *) targ(s, cs));

  *(uint8_t *) done |= 1;
  f_op1(s, OP_SET_LABEL, (arg_t) done);
  f_temp_free(s, l_pc);
  f_temp_free(s, l_size);
}

/*
 * Emits the inline count of a translation whose TranslationBlock `tb` is known (its pc now; its size and instruction
 * count once it is translated, before its first run). Counts first, then tests:
 *
 *     b->total += tb->icount; if (b->total > b->fast_max) goto slow            (unsigned)
 *     b->cur_tb = tb; b->blocks++; goto done
 *   slow:
 *     efiemu_block_hook_tb_undo(uc, tb, 0, b)           (total -= tb->icount; block_hook; fast_max)
 *   done:
 *
 * The block's start, size and instruction count are not stored: cur_tb says they are tb's (pc, size, icount), read
 * only when a hook inside the block needs them (bc_sync_cur, clock_ports.c); the TranslationBlock of the block
 * running cannot change under it. Nor are the pc and size kept in TCG local temps (a store to the stack frame each):
 * the slow path reads them from the TranslationBlock too (Unicorn patches tb->size into a block hook's call).
 * Against the ops it replaces (test, then in a new basic block load and count again, store total, cur_icount,
 * cur_addr, cur_size, blocks) this is 3 stores a block instead of 7, and 4 loads instead of 8.
 */
static void emit_inline_tb(void *uc, void *s, void *b, void *tb) {
  void *slow = f_new_label(s);
  void *done = f_new_label(s);

  /* count, then the test */
  tcgv_t pb = f_const_i64(s, (int64_t) (intptr_t) b);
  tcgv_t pt = f_const_i64(s, (int64_t) (intptr_t) tb);
  void *tot = f_temp_new(s, TCG_TYPE_I64, 0);
  void *ic = f_temp_new(s, TCG_TYPE_I64, 0);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_LD16U_I64, (arg_t) ic, targ(s, pt), TB_ICOUNT);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, (arg_t) ic);
  f_op3(s, OP_ST_I64, (arg_t) tot, targ(s, pb), B_TOTAL);
  f_op3(s, OP_LD_I64, (arg_t) ic, targ(s, pb), B_FAST_MAX);
  f_brcond_i64(s, TCG_COND_GTU, (tcgv_t) ((char *) tot - (char *) s), (tcgv_t) ((char *) ic - (char *) s), slow);
  f_temp_free(s, (void *) targ(s, pb));
  f_temp_free(s, (void *) targ(s, pt));

  /* counted here (a new basic block: the temps above are dead) */
  pb = f_const_i64(s, (int64_t) (intptr_t) b);
  pt = f_const_i64(s, (int64_t) (intptr_t) tb);
  f_op3(s, OP_ST_I64, targ(s, pt), targ(s, pb), B_CUR_TB);
  tcgv_t one = f_const_i64(s, 1);
  f_op3(s, OP_LD_I64, (arg_t) tot, targ(s, pb), B_BLOCKS);
  f_op3(s, OP_ADD_I64, (arg_t) tot, (arg_t) tot, targ(s, one));
  f_op3(s, OP_ST_I64, (arg_t) tot, targ(s, pb), B_BLOCKS);
  f_temp_free(s, (void *) targ(s, one));
  f_temp_free(s, (void *) targ(s, pb));
  f_temp_free(s, (void *) targ(s, pt));
  f_temp_free(s, tot);
  f_temp_free(s, ic);
  ++*(uint16_t *) ((char *) done + LABEL_REFS); /* tcg_gen_br */
  f_op1(s, OP_BR, (arg_t) done);

  /* the call: (uc, the TranslationBlock in the address argument, 0, the counter) */
  *(uint8_t *) slow |= 1; /* gen_set_label: present */
  f_op1(s, OP_SET_LABEL, (arg_t) slow);
  tcgv_t cu = f_const_i64(s, (int64_t) (intptr_t) uc);
  tcgv_t ct = f_const_i64(s, (int64_t) (intptr_t) tb);
  tcgv_t cz = f_const_i64(s, 0);
  tcgv_t cb = f_const_i64(s, (int64_t) (intptr_t) b);
  void *cargs[4] = {(void *) targ(s, cu), (void *) targ(s, ct), (void *) targ(s, cz), (void *) targ(s, cb)};
  o_add_inline_hook(uc, tb_undo_hook, cargs, 4);
  f_temp_free(s, (void *) targ(s, cu));
  f_temp_free(s, (void *) targ(s, ct));
  f_temp_free(s, (void *) targ(s, cz));
  f_temp_free(s, (void *) targ(s, cb));

  *(uint8_t *) done |= 1;
  f_op1(s, OP_SET_LABEL, (arg_t) done);
}

static void emit_inline(void *uc, void *s, void *b, void *slot, void **args) {
  emit_inline_from(uc, s, b, slot, 0, OP_LD_I64, slot_hook, slot, args);
}

/*
 * The TranslationBlock being translated, or NULL. tb_gen_code allocates it (tcg_tb_alloc: at code_gen_ptr rounded up
 * to the icache line, code_gen_ptr then rounded up past it) and sets tb->tc.ptr = code_gen_ptr before
 * gen_intermediate_code, which calls us; code_gen_ptr moves only after tcg_gen_code. translator_loop writes
 * tb->icount (the instruction count the block hook's uc_ctl lookup returns for it) once the block is translated,
 * before tb_gen_code turns the ops into host code: so before the block can first run.
 */
static void *translating_tb(void *uc, void *s) {
  int line = *(int *) ((char *) uc + UC_ICACHE_LINESIZE);
  if (line <= 0 || (line & (line - 1)) != 0) return NULL;
  char *code = *(char **) ((char *) s + TCG_CODE_GEN_PTR);
  if (code == NULL) return NULL;
  char *tb = code - (((uintptr_t) TB_SIZEOF + (uintptr_t) line - 1) & ~((uintptr_t) line - 1));
  if (*(char **) (tb + TB_TC_PTR) != code) return NULL;
  return tb;
}

/* translating_tb's TranslationBlock when the ops may read its count: see below */
static void *countable_tb(void *tb) {
  if (tb == NULL) return NULL;
  /* only the translations tb_find and the block hook's lookup agree on: no instruction count limit (the one-
     instruction block Unicorn makes to rerun a store into the running block must still reach block_hook, whose
     lookup refuses it), not temporary, not for icount */
  if ((*(uint32_t *) (tb + TB_CFLAGS) & CF_NOT_CLUSTER) != 0) return NULL;
  return tb;
}

/* 1: translations count inline from their first run (the count read from their TranslationBlock); 0: from a slot */
static int bi_first_runs = 1;

static void w_add_inline_hook(void *uc, void *hk, void **args, int n) {
  if (n == 4 && *(int *) ((char *) hk + HOOK_TYPE) == UC_HOOK_BLOCK
      && *(void **) ((char *) hk + HOOK_CALLBACK) == block_hook_fn) {
    void *b = *(void **) ((char *) hk + HOOK_USER_DATA);
    void *s = *(void **) ((char *) uc + UC_TCG_CTX);
    void *now = translating_tb(uc, s);
    /* the TranslationBlock made now over the one of the block counted last (a flushed code buffer): efiemu_gate.c */
    if (now != NULL) efiemu_block_cur_tb_reused(b, now, TB_SIZEOF);
    void *tb = bi_first_runs ? countable_tb(now) : NULL;
    if (tb != NULL && efiemu_block_tb_translation(b)) {
      /* first run included: the count is the translation's own, known before the block runs */
      emit_inline_tb(uc, s, b, tb);
      return;
    }
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
    /* where the TranslationBlock being translated is, and its fields */
    {0x3e678b, 7, {0x48, 0x8b, 0x87, 0x70, 0x99, 0x00, 0x00}, "tcg_tb_alloc: s->uc at +0x9970"},
    {0x3e6792, 7, {0x48, 0x63, 0xa8, 0x78, 0x07, 0x00, 0x00}, "tcg_tb_alloc: uc->qemu_icache_linesize at +0x778"},
    {0x3e679c, 7, {0x4c, 0x8d, 0xad, 0x9f, 0x00, 0x00, 0x00}, "tcg_tb_alloc: sizeof(TranslationBlock) 160"},
    {0x3e67a6, 7, {0x48, 0x8b, 0x87, 0xc0, 0x00, 0x00, 0x00}, "tcg_tb_alloc: s->code_gen_ptr at +0xc0"},
    {0x40047d, 7, {0x48, 0x8b, 0x95, 0xc0, 0x00, 0x00, 0x00}, "tb_gen_code: gen_code_buf = s->code_gen_ptr"},
    {0x400492, 4, {0x48, 0x89, 0x50, 0x20}, "tb_gen_code: tb->tc.ptr = gen_code_buf (+0x20)"},
    {0x40049b, 5, {0x41, 0x89, 0x4c, 0x24, 0x18}, "tb_gen_code: tb->cflags at +0x18"},
    {0x45192a, 4, {0x49, 0x8b, 0x55, 0x00}, "translator_loop: db->tb"},
    {0x45194f, 4, {0x66, 0x89, 0x4a, 0x16}, "translator_loop: tb->icount = num_insns (+0x16)"},
    {0x45193b, 4, {0x66, 0x89, 0x42, 0x14}, "translator_loop: tb->size = pc_next - pc_first (+0x14)"},
    {0x4004a0, 4, {0x49, 0x89, 0x04, 0x24}, "tb_gen_code: tb->pc = pc (+0)"},
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
      {"tcg_gen_op1_x86_64", 0}, {"tcg_gen_op2_x86_64", 0}, {"tcg_gen_op3_x86_64", 0},
      {"tcg_tb_alloc_x86_64", OFF_TCG_TB_ALLOC}, {"tb_gen_code_x86_64", OFF_TB_GEN_CODE},
      {"translator_loop_x86_64", OFF_TRANSLATOR_LOOP}};
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
  *(int *) (tb_undo_hook + HOOK_TYPE) = UC_HOOK_BLOCK;
  void *slow_undo = (void *) &efiemu_block_hook_tb_undo;
  memcpy(tb_undo_hook + HOOK_CALLBACK, &slow_undo, sizeof slow_undo);
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

/* -Defiemu.clock.inlineFirstRuns=false: every translation counts from a slot (its first run calls the hook). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_InlineBlockCounting_firstRuns0(JNIEnv *env, jclass cls,
    jboolean on) {
  (void) env;
  (void) cls;
  __atomic_store_n(&bi_first_runs, on ? 1 : 0, __ATOMIC_RELAXED);
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
