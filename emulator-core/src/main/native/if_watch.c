/*
 * RFLAGS.IF watch for per-instruction counting (Java side: org.efiemu.core.clock.InterruptFlagWatch). While a timer
 * interrupt that RFLAGS.IF masked is pending, this UC_HOOK_CODE callback runs before every instruction: once it sees
 * IF set, it looks at the instruction before (its first byte): after STI (0xFB) it lets this instruction run (STI's
 * one-instruction shadow) and stops the run before the next one; after anything else (POPF, IRETQ: no shadow) it
 * stops the run before this one. The CPU takes the interrupt there (Intel SDM vol. 3A §6.8.3). Installed only while
 * such an interrupt is pending; the block counter has its own watch.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*ifw_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*ifw_emu_stop_fn)(void *uc);
typedef int (*ifw_mem_read_fn)(void *uc, uint64_t address, void *bytes, size_t size);
enum { IFW_UC_X86_REG_RFLAGS = 253, IFW_RFLAGS_IF = 0x200 }; /* X86Reg.RFLAGS */

typedef struct {
  int64_t phase; /* 0: watching; 1: IF was set before this instruction (it runs); 2: stopped before the next one */
  ifw_reg_read_fn reg_read;
  ifw_emu_stop_fn emu_stop;
  ifw_mem_read_fn mem_read; /* uc_mem_read (ifwatch_mem_read); NULL: every IF change is taken as STI's */
  uint64_t prev;            /* the instruction before this one, when has_prev */
  int64_t has_prev;
} ifwatch_t;

/* True when the instruction at `prev` is STI (0xFB): the interrupt waits for one more instruction. */
static int ifw_after_sti(void *uc, ifwatch_t *w) {
  if (w->mem_read == NULL) return 1;
  if (!w->has_prev) return 0;
  uint8_t op = 0;
  return w->mem_read(uc, w->prev, &op, 1) == 0 && op == 0xFB;
}

static void ifwatch_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  (void) address;
  (void) size;
  ifwatch_t *w = (ifwatch_t *) user;
  if (w->phase == 0) {
    uint64_t fl = 0;
    if (w->reg_read(uc, IFW_UC_X86_REG_RFLAGS, &fl) == 0 && (fl & IFW_RFLAGS_IF) != 0) {
      if (ifw_after_sti(uc, w)) {
        w->phase = 1;
      } else {
        w->phase = 2; /* POPF or IRETQ set IF: no shadow, the interrupt comes before this instruction */
        w->emu_stop(uc);
      }
    }
    w->prev = address;
    w->has_prev = 1;
  } else if (w->phase == 1) {
    w->phase = 2;
    w->emu_stop(uc);
  }
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_create(JNIEnv *env, jclass cls, jlong regRead,
    jlong emuStop) {
  (void) env;
  (void) cls;
  ifwatch_t *w = calloc(1, sizeof(ifwatch_t));
  if (w == NULL) return 0;
  w->reg_read = (ifw_reg_read_fn) (intptr_t) regRead;
  w->emu_stop = (ifw_emu_stop_fn) (intptr_t) emuStop;
  return (jlong) (intptr_t) w;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_phase(JNIEnv *env, jclass cls, jlong watch) {
  (void) env;
  (void) cls;
  return ((ifwatch_t *) (intptr_t) watch)->phase;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_reset(JNIEnv *env, jclass cls, jlong watch) {
  (void) env;
  (void) cls;
  ((ifwatch_t *) (intptr_t) watch)->phase = 0;
  ((ifwatch_t *) (intptr_t) watch)->has_prev = 0;
}

/* Gives the watch uc_mem_read, so that it can tell STI (a shadow) from POPF/IRETQ (none). */
JNIEXPORT void JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_memRead(JNIEnv *env, jclass cls, jlong watch,
    jlong memRead) {
  (void) env;
  (void) cls;
  ((ifwatch_t *) (intptr_t) watch)->mem_read = (ifw_mem_read_fn) (intptr_t) memRead;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &ifwatch_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_InterruptFlagWatch_destroy(JNIEnv *env, jclass cls, jlong watch) {
  (void) env;
  (void) cls;
  free((void *) (intptr_t) watch);
}
