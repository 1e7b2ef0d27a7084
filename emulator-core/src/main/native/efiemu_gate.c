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
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
