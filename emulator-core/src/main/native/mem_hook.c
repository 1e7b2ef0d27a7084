/*
 * A memory hook (uc_cb_hookmem_t, UC_HOOK_MEM_READ/WRITE/FETCH) that enters Java through one JNI call
 * (org.efiemu.core.engine.NativeMemoryHook): a JNA callback boxes its arguments into an Object[] and calls the Java
 * method by reflection, which costs several times the call itself; a watched page's writes (the memory-ownership
 * sanitizer) call their hook at every guest store. Built into libefiemu_gate.so with the call gate.
 */
#include <jni.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*mh_emu_stop_fn)(void *uc);

typedef struct {
  JavaVM *vm;
  jobject target;   /* global reference to the NativeMemoryHook object */
  jmethodID method; /* void invoke(int type, long address, int size, long value) */
  jmethodID failed; /* void failed(Throwable t) */
  mh_emu_stop_fn emu_stop;
} mem_hook_t;

/* uc_cb_hookmem_t */
static void mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
  mem_hook_t *h = (mem_hook_t *) user;
  JNIEnv *env;
  if ((*h->vm)->GetEnv(h->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
    h->emu_stop(uc); /* not a Java thread: cannot happen when uc_emu_start is called from Java */
    return;
  }
  (*env)->CallVoidMethod(env, h->target, h->method, (jint) type, (jlong) address, (jint) size, (jlong) value);
  if ((*env)->ExceptionCheck(env)) {
    /* invoke catches every Throwable; this is one thrown while handling another (e.g. StackOverflowError) */
    jthrowable t = (*env)->ExceptionOccurred(env);
    (*env)->ExceptionClear(env);
    (*env)->CallVoidMethod(env, h->target, h->failed, t);
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
    (*env)->DeleteLocalRef(env, t);
    h->emu_stop(uc);
  }
}

/* uc_cb_eventmem_t (UC_HOOK_MEM_*_UNMAPPED, *_PROT): the Java method's answer; false when it threw */
static bool mem_event_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
  mem_hook_t *h = (mem_hook_t *) user;
  JNIEnv *env;
  if ((*h->vm)->GetEnv(h->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
    h->emu_stop(uc);
    return false;
  }
  jboolean handled = (*env)->CallBooleanMethod(env, h->target, h->method, (jint) type, (jlong) address, (jint) size,
      (jlong) value);
  if ((*env)->ExceptionCheck(env)) {
    jthrowable t = (*env)->ExceptionOccurred(env);
    (*env)->ExceptionClear(env);
    (*env)->CallVoidMethod(env, h->target, h->failed, t);
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
    (*env)->DeleteLocalRef(env, t);
    h->emu_stop(uc);
    return false;
  }
  return handled == JNI_TRUE;
}

/* event: the object's invoke returns boolean (an invalid-memory hook), else void (a memory hook) */
JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_create(JNIEnv *env, jclass unused, jobject self,
    jlong emuStop, jboolean event) {
  (void) unused;
  JavaVM *vm;
  if ((*env)->GetJavaVM(env, &vm) != JNI_OK) return 0;
  jclass cls = (*env)->GetObjectClass(env, self);
  jmethodID m = (*env)->GetMethodID(env, cls, "invoke", event ? "(IJIJ)Z" : "(IJIJ)V");
  if (m == NULL) return 0;
  jmethodID f = (*env)->GetMethodID(env, cls, "failed", "(Ljava/lang/Throwable;)V");
  if (f == NULL) return 0;
  mem_hook_t *h = calloc(1, sizeof(mem_hook_t));
  if (h == NULL) return 0;
  h->vm = vm;
  h->target = (*env)->NewGlobalRef(env, self);
  if (h->target == NULL) {
    free(h);
    return 0;
  }
  h->method = m;
  h->failed = f;
  h->emu_stop = (mh_emu_stop_fn) (intptr_t) emuStop;
  return (jlong) (intptr_t) h;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_hookFunction(JNIEnv *env, jclass cls,
    jboolean event) {
  (void) env;
  (void) cls;
  return event ? (jlong) (intptr_t) &mem_event_hook : (jlong) (intptr_t) &mem_hook;
}

JNIEXPORT void JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_destroy(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  mem_hook_t *h = (mem_hook_t *) (intptr_t) handle;
  if (h == NULL) return;
  (*env)->DeleteGlobalRef(env, h->target);
  free(h);
}

typedef int (*mh_reg_read_fn)(void *uc, int regid, void *value);

/*
 * base + index * scale + disp from the current registers (id -1: absent), into *out; the first uc_reg_read error,
 * else 0. One JNI call where reading the two registers through JNA took two (the writer lookup of a memory hook,
 * MemoryWriters.Destination).
 */
JNIEXPORT jint JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_effectiveAddress(JNIEnv *env, jclass cls,
    jlong regRead, jlong uc, jint base, jint index, jlong scale, jlong disp, jlong out) {
  (void) env;
  (void) cls;
  mh_reg_read_fn read = (mh_reg_read_fn) (intptr_t) regRead;
  void *u = (void *) (intptr_t) uc;
  uint64_t ea = (uint64_t) disp;
  uint64_t v;
  if (base >= 0) {
    v = 0;
    int err = read(u, base, &v);
    if (err != 0) return err;
    ea += v;
  }
  if (index >= 0) {
    v = 0;
    int err = read(u, index, &v);
    if (err != 0) return err;
    ea += v * (uint64_t) scale;
  }
  *(uint64_t *) (intptr_t) out = ea;
  return 0;
}
