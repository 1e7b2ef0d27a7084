/*
 * Translated code kept between machines on a reused engine (Java side: org.efiemu.core.engine.KeptTranslations).
 * A UC_HOOK_EDGE_GENERATED callback that records the guest pages of every block Unicorn translates, so that the
 * engine knows which pages hold translated code: their bytes are saved when a machine gives the engine back and
 * compared before the next machine's first run (a page that differs has its translations removed). The callback
 * only records (it never stops a run or reads guest memory), so an engine with it translates and runs exactly as
 * one without it. One malloc'ed keeplog_t per native engine; no global state.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

enum { KEEP_LOG_PAGES = 8192, KEEP_LOG_BLOCKS = 8192 };

/* unicorn.h: struct uc_tb { uint64_t pc; uint16_t icount; uint16_t size; } */
typedef struct {
  uint64_t pc;
  uint16_t icount;
  uint16_t size;
} keep_uc_tb_t;

/*
 * Shared with Java through a direct ByteBuffer: [0] pages logged, [8] overflow flag, the pages; then the blocks
 * logged, their overflow flag and each block's {pc, size} (KeptTranslations keeps or removes code block by block,
 * by the memory hooks that existed when it was translated).
 */
typedef struct {
  int64_t n;
  int64_t overflow;
  uint64_t pages[KEEP_LOG_PAGES];
  int64_t nblocks;
  int64_t blocks_overflow;
  uint64_t blocks[KEEP_LOG_BLOCKS][2];
} keeplog_t;

static void keep_log_page(keeplog_t *k, uint64_t page) {
  if (k->n > 0 && k->pages[k->n - 1] == page) return;
  if (k->n >= KEEP_LOG_PAGES) {
    k->overflow = 1;
    return;
  }
  k->pages[k->n++] = page;
}

static void keep_edge_hook(void *uc, keep_uc_tb_t *cur, keep_uc_tb_t *prev, void *user) {
  (void) uc;
  (void) prev;
  keeplog_t *k = (keeplog_t *) user;
  uint64_t first = cur->pc >> 12;
  uint64_t last = (cur->pc + (cur->size > 0 ? cur->size - 1u : 0u)) >> 12;
  for (uint64_t p = first; p <= last; p++) keep_log_page(k, p);
  if (k->nblocks >= KEEP_LOG_BLOCKS) {
    k->blocks_overflow = 1;
  } else {
    k->blocks[k->nblocks][0] = cur->pc;
    k->blocks[k->nblocks][1] = cur->size;
    k->nblocks++;
  }
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_TranslationLog_create(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) calloc(1, sizeof(keeplog_t));
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_engine_TranslationLog_state(JNIEnv *env, jclass cls, jlong log) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) log, (jlong) sizeof(keeplog_t));
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_TranslationLog_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &keep_edge_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_engine_TranslationLog_destroy(JNIEnv *env, jclass cls, jlong log) {
  (void) env;
  (void) cls;
  free((void *) (intptr_t) log);
}
