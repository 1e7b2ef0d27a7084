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
typedef int (*mh_mem_write_fn)(void *uc, uint64_t address, const void *bytes, size_t size);

/* store_fastpath.c: the engine's write-protected page set, store_helper's byte loop */
int efiemu_wp_protected(void *uc, uint64_t address);
int efiemu_store_nested(void *uc);

enum { MH_UC_MEM_WRITE_PROT = 22 };

typedef struct {
  JavaVM *vm;
  jobject target;   /* global reference to the NativeMemoryHook object */
  jmethodID method; /* void invoke(int type, long address, int size, long value) */
  jmethodID failed; /* void failed(Throwable t) */
  mh_emu_stop_fn emu_stop;
  mh_mem_write_fn mem_write; /* uc_mem_write: a store hook's (mem_store_hook), else NULL */
} mem_hook_t;

/*
 * After an upcall: when the Java method threw (invoke catches every Throwable, so this is one thrown while handling
 * another, e.g. StackOverflowError), the throwable is cleared here, handed to the object's failed(Throwable) and the
 * run stopped; true then.
 */
static bool threw(JNIEnv *env, mem_hook_t *h, void *uc) {
  if (!(*env)->ExceptionCheck(env)) return false;
  jthrowable t = (*env)->ExceptionOccurred(env);
  (*env)->ExceptionClear(env);
  (*env)->CallVoidMethod(env, h->target, h->failed, t);
  if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
  (*env)->DeleteLocalRef(env, t);
  h->emu_stop(uc);
  return true;
}

/* uc_cb_hookmem_t */
static void mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
  mem_hook_t *h = (mem_hook_t *) user;
  JNIEnv *env;
  if ((*h->vm)->GetEnv(h->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
    h->emu_stop(uc); /* not a Java thread: cannot happen when uc_emu_start is called from Java */
    return;
  }
  (*env)->CallVoidMethod(env, h->target, h->method, (jint) type, (jlong) address, (jint) size, (jlong) value);
  threw(env, h, uc);
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
  if (threw(env, h, uc)) return false;
  return handled == JNI_TRUE;
}

/*
 * uc_cb_eventmem_t for UC_HOOK_MEM_WRITE_PROT over pages write-protected through the engine's page set
 * (store_fastpath.c), whose stores a handler takes without any UC_HOOK_MEM_WRITE (the memory-ownership sanitizer's
 * watched pages: org.efiemu.core.engine.Hooks.ProtectedStoreHook). The Java method is told whether the call is one
 * byte of store_helper's byte-by-byte loop (uc->size_recur_mem set: an unaligned or page-crossing store goes there
 * after its own call) and answers whether it handled the store. Unicorn 2.0.1's store_helper discards a store to a
 * page whose TLB entry carries TLB_DISCARD_WRITE (every page of the set: wp_fill) after a handled hook, so when the
 * page is still in the set afterwards this hook performs the store itself with uc_mem_write: the whole store when it
 * is aligned (store_helper then goes no further), one byte for a call from the byte loop; an unaligned store's own
 * call writes nothing, since store_helper sends each of its bytes back here (or, on pages not in the set, stores them).
 * A page the handler took out of the set is stored to by store_helper as after uc_mem_protect.
 */
static bool mem_store_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
  mem_hook_t *h = (mem_hook_t *) user;
  JNIEnv *env;
  if ((*h->vm)->GetEnv(h->vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
    h->emu_stop(uc);
    return false;
  }
  int nested = efiemu_store_nested(uc) > 0;
  jboolean handled = (*env)->CallBooleanMethod(env, h->target, h->method, (jint) type, (jlong) address, (jint) size,
      (jlong) value, (jboolean) (nested ? JNI_TRUE : JNI_FALSE));
  if (threw(env, h, uc)) return false;
  if (handled != JNI_TRUE) return false;
  if (type != MH_UC_MEM_WRITE_PROT || size < 1 || size > 8) return true;
  if (!nested && (address & (uint64_t) (size - 1)) != 0) return true; /* its bytes come back one by one */
  if (!efiemu_wp_protected(uc, address)) return true;                  /* store_helper stores it */
  uint8_t bytes[8];
  for (int i = 0; i < size; i++) bytes[i] = (uint8_t) ((uint64_t) value >> (8 * i));
  if (h->mem_write(uc, address, bytes, (size_t) size) != 0) {
    h->emu_stop(uc); /* cannot happen for a mapped RAM page; the run then ends with UC_ERR_WRITE_PROT */
    return false;
  }
  return true;
}

/* A hook's native block for the Java object self: its invoke method of the given signature and failed(Throwable),
 * a global reference to self, Unicorn's uc_emu_stop; NULL when a method is missing or memory runs out. */
static mem_hook_t *new_block(JNIEnv *env, jobject self, jlong emuStop, const char *invoke_signature) {
  JavaVM *vm;
  if ((*env)->GetJavaVM(env, &vm) != JNI_OK) return NULL;
  jclass cls = (*env)->GetObjectClass(env, self);
  jmethodID m = (*env)->GetMethodID(env, cls, "invoke", invoke_signature);
  if (m == NULL) return NULL;
  jmethodID f = (*env)->GetMethodID(env, cls, "failed", "(Ljava/lang/Throwable;)V");
  if (f == NULL) return NULL;
  mem_hook_t *h = calloc(1, sizeof(mem_hook_t));
  if (h == NULL) return NULL;
  h->vm = vm;
  h->target = (*env)->NewGlobalRef(env, self);
  if (h->target == NULL) {
    free(h);
    return NULL;
  }
  h->method = m;
  h->failed = f;
  h->emu_stop = (mh_emu_stop_fn) (intptr_t) emuStop;
  return h;
}

/* event: the object's invoke returns boolean (an invalid-memory hook), else void (a memory hook) */
JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_create(JNIEnv *env, jclass unused, jobject self,
    jlong emuStop, jboolean event) {
  (void) unused;
  return (jlong) (intptr_t) new_block(env, self, emuStop, event ? "(IJIJ)Z" : "(IJIJ)V");
}

/* A store hook's block (mem_store_hook): the object's boolean invoke(int, long, int, long, boolean). */
JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_createStore(JNIEnv *env, jclass unused,
    jobject self, jlong emuStop, jlong memWrite) {
  (void) unused;
  mem_hook_t *h = new_block(env, self, emuStop, "(IJIJZ)Z");
  if (h != NULL) h->mem_write = (mh_mem_write_fn) (intptr_t) memWrite;
  return (jlong) (intptr_t) h;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_NativeMemoryHook_storeHookFunction(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  return (jlong) (intptr_t) &mem_store_hook;
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
