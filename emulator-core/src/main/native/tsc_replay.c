/*
 * TSC replay for a raw Unicorn engine (Java side: org.efiemu.core.clock.TscReplay; used by early-alloc's `bench raw`
 * to replay a stretch of guest code that read the time-stamp counter). Unicorn 2.0.1 cannot hook RDTSC/RDTSCP as
 * instructions (UC_HOOK_INSN accepts IN, OUT, SYSCALL, SYSENTER and CPUID only), so the cheapest way a raw engine can
 * give the guest the values efiemu's virtual clock gave it is what efiemu itself does: a one-address UC_HOOK_CODE
 * hook on each RDTSC/RDTSCP site. Here the hook is this C function (no Java): it hands out the next recorded value
 * (EDX:EAX, and ECX for RDTSCP) and moves RIP past the instruction, in one uc_reg_write_batch. It computes no time:
 * the values are the ones efiemu's guest read, in order. When the recorded values run out it stops the run.
 * The same for IN (a UC_HOOK_INSN hook, which Unicorn 2.0.1 allows for IN): GRUB also times with the ACPI PM timer,
 * a port efiemu's virtual clock drives; the hook hands out the values efiemu's IN instructions got, in order.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*reg_write_batch_fn)(void *uc, int *regs, void *const *vals, int count);
typedef int (*emu_stop_fn)(void *uc);

typedef struct {
  reg_write_batch_fn reg_write_batch;
  emu_stop_fn emu_stop;
  int ids[4]; /* RAX, RDX, RCX, RIP (X86Reg ids from Java) */
  int64_t next;
  int64_t n;
  int64_t overrun; /* hook calls after the last value */
  int64_t *values; /* n pairs: tsc, aux (aux < 0: RDTSC, no ECX) */
  int64_t in_next;
  int64_t in_n;
  int64_t in_overrun;
  uint32_t *in_values; /* the values IN instructions got, in order */
  int rbx_id;
  int64_t cpuid_next;
  int64_t cpuid_n;
  int64_t cpuid_overrun;
  uint32_t *cpuid_values; /* 4 per CPUID: EAX, EBX, ECX, EDX as efiemu answered */
} tscreplay_t;

/* uc_cb_insn_cpuid_t: efiemu's answer (its CpuDescription), not Unicorn's qemu64 model; 1: instruction done */
static int cpuid_replay_hook(void *uc, void *user) {
  tscreplay_t *r = (tscreplay_t *) user;
  if (r->cpuid_next >= r->cpuid_n) {
    r->cpuid_overrun++;
    r->emu_stop(uc);
    return 1;
  }
  uint32_t *v = &r->cpuid_values[4 * r->cpuid_next++];
  uint64_t a = v[0], b = v[1], c = v[2], d = v[3];
  int ids[4] = {r->ids[0], r->rbx_id, r->ids[2], r->ids[1]};
  void *const vals[4] = {&a, &b, &c, &d};
  r->reg_write_batch(uc, ids, vals, 4);
  return 1;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_cpuidHookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &cpuid_replay_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_TscReplay_cpuidValues(JNIEnv *env, jclass cls, jlong handle,
    jintArray values, jint rbxId) {
  (void) cls;
  tscreplay_t *r = (tscreplay_t *) (intptr_t) handle;
  jsize len = (*env)->GetArrayLength(env, values);
  free(r->cpuid_values);
  r->cpuid_values = malloc(sizeof(uint32_t) * (size_t) (len > 0 ? len : 1));
  if (r->cpuid_values == NULL) {
    r->cpuid_n = 0;
    return;
  }
  (*env)->GetIntArrayRegion(env, values, 0, len, (jint *) r->cpuid_values);
  r->cpuid_n = len / 4;
  r->cpuid_next = 0;
  r->rbx_id = rbxId;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_cpuidUsed(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  tscreplay_t *r = (tscreplay_t *) (intptr_t) handle;
  return r->cpuid_next + r->cpuid_overrun;
}

/* uc_cb_insn_in_t: the next recorded port value (the ACPI PM timer, the serial port's status, ...) */
static uint32_t in_replay_hook(void *uc, uint32_t port, int size, void *user) {
  (void) port;
  (void) size;
  tscreplay_t *r = (tscreplay_t *) user;
  if (r->in_next >= r->in_n) {
    r->in_overrun++;
    r->emu_stop(uc);
    return 0;
  }
  return r->in_values[r->in_next++];
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_inHookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &in_replay_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_TscReplay_inValues(JNIEnv *env, jclass cls, jlong handle,
    jintArray values) {
  (void) cls;
  tscreplay_t *r = (tscreplay_t *) (intptr_t) handle;
  jsize len = (*env)->GetArrayLength(env, values);
  free(r->in_values);
  r->in_values = malloc(sizeof(uint32_t) * (size_t) (len > 0 ? len : 1));
  if (r->in_values == NULL) {
    r->in_n = 0;
    return;
  }
  (*env)->GetIntArrayRegion(env, values, 0, len, (jint *) r->in_values);
  r->in_n = len;
  r->in_next = 0;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_inUsed(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  tscreplay_t *r = (tscreplay_t *) (intptr_t) handle;
  return r->in_next + r->in_overrun;
}

static void tsc_replay_hook(void *uc, uint64_t address, uint32_t size, void *user) {
  tscreplay_t *r = (tscreplay_t *) user;
  if (r->next >= r->n) {
    r->overrun++;
    r->emu_stop(uc);
    return;
  }
  uint64_t tsc = (uint64_t) r->values[2 * r->next];
  int64_t aux = r->values[2 * r->next + 1];
  r->next++;
  uint64_t eax = tsc & 0xFFFFFFFFu, edx = tsc >> 32, ecx = (uint64_t) aux & 0xFFFFFFFFu, rip = address + size;
  if (aux < 0) {
    int ids[3] = {r->ids[0], r->ids[1], r->ids[3]};
    void *const vals[3] = {&eax, &edx, &rip};
    r->reg_write_batch(uc, ids, vals, 3);
  } else {
    void *const vals[4] = {&eax, &edx, &ecx, &rip};
    r->reg_write_batch(uc, r->ids, vals, 4);
  }
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_create(JNIEnv *env, jclass cls, jlongArray values,
    jintArray regIds, jlong regWriteBatch, jlong emuStop) {
  (void) cls;
  jsize len = (*env)->GetArrayLength(env, values);
  if ((*env)->GetArrayLength(env, regIds) != 4 || (len & 1) != 0) return 0;
  tscreplay_t *r = calloc(1, sizeof(tscreplay_t));
  if (r == NULL) return 0;
  r->values = malloc(sizeof(int64_t) * (size_t) (len > 0 ? len : 1));
  if (r->values == NULL) {
    free(r);
    return 0;
  }
  (*env)->GetLongArrayRegion(env, values, 0, len, (jlong *) r->values);
  (*env)->GetIntArrayRegion(env, regIds, 0, 4, r->ids);
  r->n = len / 2;
  r->reg_write_batch = (reg_write_batch_fn) (intptr_t) regWriteBatch;
  r->emu_stop = (emu_stop_fn) (intptr_t) emuStop;
  return (jlong) (intptr_t) r;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_hookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &tsc_replay_hook;
}

/* {values handed out, calls after the last value} */
JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_used(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  return ((tscreplay_t *) (intptr_t) handle)->next;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_clock_TscReplay_overrun(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  return ((tscreplay_t *) (intptr_t) handle)->overrun;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_clock_TscReplay_destroy(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  tscreplay_t *r = (tscreplay_t *) (intptr_t) handle;
  if (r == NULL) return;
  free(r->values);
  free(r->in_values);
  free(r->cpuid_values);
  free(r);
}
