/*
 * RFLAGS.IF watch for per-instruction counting (Java side: org.efiemu.core.clock.InterruptFlagWatch). While a timer
 * interrupt that RFLAGS.IF masked is pending, this UC_HOOK_CODE callback runs before every instruction: once it sees
 * IF set (the previous instruction was the guest's STI, POPF or IRETQ), it lets that instruction run (STI's
 * one-instruction shadow) and stops the run before the next one, where the CPU takes the interrupt (Intel SDM
 * vol. 3A §6.8.3). Installed only while such an interrupt is pending; the block counter has its own watch.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*ifw_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*ifw_emu_stop_fn)(void *uc);
enum { IFW_UC_X86_REG_RFLAGS = 253, IFW_RFLAGS_IF = 0x200 }; /* X86Reg.RFLAGS */

typedef struct {
  int64_t phase; /* 0: watching; 1: IF was set before this instruction (it runs); 2: stopped before the next one */
  ifw_reg_read_fn reg_read;
  ifw_emu_stop_fn emu_stop;
} ifwatch_t;

static void ifwatch_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  (void) address;
  (void) size;
  ifwatch_t *w = (ifwatch_t *) user;
  if (w->phase == 0) {
    uint64_t fl = 0;
    if (w->reg_read(uc, IFW_UC_X86_REG_RFLAGS, &fl) == 0 && (fl & IFW_RFLAGS_IF) != 0) w->phase = 1;
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
