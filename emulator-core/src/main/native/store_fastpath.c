/*
 * Store fast path for Debian's libunicorn2 2.0.1.post1-1+b1 (Java side: org.efiemu.core.engine.StoreFastPath).
 *
 * Why: Unicorn 2.0.1 stubs cpu_physical_memory_is_clean() to "always clean", so tlb_set_page_with_attrs gives every
 * writable RAM page's TLB entry TLB_NOTDIRTY, and every guest store to RAM leaves the generated code's inline fast
 * path for store_helper -> notdirty_write -> page_collection_lock (a g_tree allocated and freed per store) ->
 * tb_invalidate_phys_page_fast, whether or not the page holds translated code. QEMU proper keeps TLB_NOTDIRTY only
 * on pages holding translated code (its DIRTY_MEMORY_CODE bitmap).
 *
 * What: the library calls tlb_set_page_with_attrs, tlb_protect_code and tlb_unprotect_code through its own PLT
 * (every call site; checked on this build). When the loaded library is exactly that Debian build (its GNU build-id),
 * install() points those three GOT slots at the wrappers below (the GOT is in the RELRO segment: made writable for
 * the three stores, then read-only again). Engines that Java attaches (one malloc'ed fastpath_t each) then get:
 *  - tlb_protect_code (a RAM page gets its first translated block): the page's host address joins the engine's set
 *    of code pages and tlb_reset_dirty puts TLB_NOTDIRTY back on every TLB entry (all MMU modes, victim entries
 *    included) that maps the page without any flag, i.e. on the entries this file made fast. Stores to the page
 *    then take Unicorn's own notdirty_write path again and invalidate translated code exactly as stock Unicorn does.
 *  - tlb_set_page_with_attrs: after Unicorn filled the entry, an entry that is exactly "this page | TLB_NOTDIRTY"
 *    (writable RAM, no watchpoint, no MMIO, not read-only, not a sub-page entry) has TLB_NOTDIRTY removed when the
 *    page is identity-mapped (virtual page == physical page: Unicorn's store slow path checks the region of the
 *    *virtual* address, which is then the same region), its host page is not a code page, and the Unicorn region
 *    holding it has UC_PROT_WRITE (a uc_mem_map_ptr region mapped without write permission is not read-only for
 *    the TLB; the slow path's permission check is what enforces it).
 *  - tlb_unprotect_code (a page's last translated block was invalidated by a store): the page leaves the set.
 * Engines not attached (or disabled) see the stock behaviour: the wrappers call the originals and return.
 *
 * What the slow path did for a plain RAM store that the fast path no longer does, and why nothing is lost:
 * UC_HOOK_MEM_WRITE callbacks (blocks translated while one exists call store_helper for every store, and it calls
 * the hooks before it looks at the TLB entry; Java disables the fast path for an engine, which flushes the TLB, when
 * such a hook is added after the engine ran code translated without one), the unmapped check (a RAM TLB entry of an
 * identity-mapped page always has its region), the UC_PROT_WRITE check (checked above; uc_mem_protect removing
 * write permission changes the region's read-only flag, which flushes the TLB), the notdirty_write invalidation
 * (only matters on pages holding code, which keep TLB_NOTDIRTY).
 *
 * Layout facts of this build (verified at install/attach time where a check is possible): uc_struct.cpu at 0x180
 * (uc_emu_stop), CPUState.uc at 0x81a8 (cpu_restore_state), CPUState.env_ptr at 0x128 and the fast TLB
 * descriptors {mask, table} at env - 0x40 + 16 * mmu_idx for 3 MMU modes, 32-byte entries with addr_write at +8
 * and addend at +24, TLB_NOTDIRTY = 0x400 (tlb_set_dirty), MemoryRegion.perms at 0x88 (store_helper).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <jni.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unicorn_build.h"

/* The one build this file knows: unicorn_build.h (Debian libunicorn2 2.0.1.post1-1+b1, amd64). */

/* Offsets in that build, from its load base. */
enum {
  OFF_TLB_SET_PAGE = 0x3f81e0,      /* tlb_set_page_with_attrs_x86_64 */
  OFF_TLB_PROTECT = 0x3f8030,       /* tlb_protect_code_x86_64 */
  OFF_TLB_UNPROTECT = 0x3f8050,     /* tlb_unprotect_code_x86_64 */
  OFF_TLB_RESET_DIRTY = 0x3f8060,   /* tlb_reset_dirty_x86_64 */
  OFF_TLB_FLUSH = 0x3f7f10,         /* tlb_flush_x86_64 */
  OFF_MAP_RAM_PTR = 0x3c3310,       /* qemu_map_ram_ptr_x86_64 */
  OFF_MEMORY_MAPPING = 0x3ba600,    /* memory_mapping */
  GOT_TLB_SET_PAGE = 0x11ffa78,     /* R_X86_64_JUMP_SLOT slots */
  GOT_TLB_PROTECT = 0x1202ef8,
  GOT_TLB_UNPROTECT = 0x1203698,
};

enum {
  UC_CPU = 0x180,
  CPU_UC = 0x81a8,
  CPU_ENV = 0x128,
  ENV_TLB_FAST = -0x40,
  NB_MMU_MODES = 3,
  TLB_ENTRY_BITS = 5,
  TLB_NOTDIRTY = 0x400,
  MR_PERMS = 0x88,
  UC_PROT_WRITE = 2,
  PAGE_SIZE_4K = 4096,
};

typedef void (*set_page_fn)(void *cpu, uint64_t vaddr, uint64_t paddr, uint32_t attrs, int prot, int mmu_idx,
    uint64_t size);
typedef void (*protect_fn)(void *uc, uint64_t ram_addr);
typedef void (*reset_dirty_fn)(void *cpu, uint64_t host_start, uint64_t length);
typedef void (*flush_fn)(void *cpu);
typedef void *(*map_ram_ptr_fn)(void *uc, void *block, uint64_t ram_addr);
typedef void *(*memory_mapping_fn)(void *uc, uint64_t address);

static set_page_fn o_set_page;
static protect_fn o_protect;
static protect_fn o_unprotect;
static reset_dirty_fn f_reset_dirty;
static flush_fn f_tlb_flush;
static map_ram_ptr_fn f_map_ram_ptr;
static memory_mapping_fn f_memory_mapping;

/* The first 64 bytes are shared with Java (StoreFastPath.Stats offsets). */
typedef struct {
  int64_t enabled;        /*  0 */
  int64_t fast_fills;     /*  8: TLB entries left without TLB_NOTDIRTY */
  int64_t kept_code;      /* 16: entries kept slow: the page holds translated code */
  int64_t kept_alias;     /* 24: entries kept slow: not identity-mapped */
  int64_t kept_perm;      /* 32: entries kept slow: region without UC_PROT_WRITE */
  int64_t code_pages;     /* 40: pages in the code set now */
  int64_t protects;       /* 48: tlb_protect_code calls seen (pages gaining their first block) */
  int64_t unprotects;     /* 56: tlb_unprotect_code calls seen (pages losing their last block) */
  void *uc;
  uint64_t *set;          /* open addressing, linear probing; 0 = empty; keys are host page addresses */
  size_t cap;             /* power of two */
  /* write-protected guest pages (write_protect.c part at the end of this file); NULL/0 while none */
  uint64_t *wp_keys;      /* granule number + 1 (a granule is WP_GRANULE_PAGES pages); 0 = empty */
  uint64_t **wp_bits;     /* the granule's bitmap, one bit per page */
  size_t wp_cap;          /* power of two, or 0 */
  int64_t wp_pages;       /* pages write-protected now */
  size_t wp_granules;     /* granules in wp_keys */
  unsigned char wp_fake[MR_PERMS + 8]; /* the region a store's permission check sees for a protected page */
} fastpath_t;

static int wp_contains(const fastpath_t *f, uint64_t address);
static void wp_clear_all(fastpath_t *f);

/* ------------------------------------------------------------------ the code-page set (one engine's thread) */

static size_t set_slot(uint64_t key, size_t cap) {
  return (size_t) ((key >> 12) * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
}

static int set_contains(const fastpath_t *f, uint64_t key) {
  for (size_t i = set_slot(key, f->cap);; i = (i + 1) & (f->cap - 1)) {
    if (f->set[i] == key) return 1;
    if (f->set[i] == 0) return 0;
  }
}

static void set_insert_raw(uint64_t *set, size_t cap, uint64_t key) {
  size_t i = set_slot(key, cap);
  while (set[i] != 0 && set[i] != key) i = (i + 1) & (cap - 1);
  set[i] = key;
}

/* Returns 0 when out of memory (the caller then disables the fast path for the engine). */
static int set_add(fastpath_t *f, uint64_t key) {
  if (set_contains(f, key)) return 1;
  if ((size_t) (f->code_pages + 1) * 2 > f->cap) {
    size_t ncap = f->cap * 2;
    uint64_t *n = calloc(ncap, sizeof(uint64_t));
    if (n == NULL) return 0;
    for (size_t i = 0; i < f->cap; i++)
      if (f->set[i] != 0) set_insert_raw(n, ncap, f->set[i]);
    free(f->set);
    f->set = n;
    f->cap = ncap;
  }
  set_insert_raw(f->set, f->cap, key);
  f->code_pages++;
  return 1;
}

static void set_remove(fastpath_t *f, uint64_t key) {
  size_t mask = f->cap - 1;
  size_t i = set_slot(key, f->cap);
  while (f->set[i] != key) {
    if (f->set[i] == 0) return;
    i = (i + 1) & mask;
  }
  /* backward-shift deletion keeps every probe chain unbroken */
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (f->set[j] == 0) break;
    size_t home = set_slot(f->set[j], f->cap);
    /* move set[j] to i when its home is not in the cyclic range (i, j] */
    if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
      f->set[i] = f->set[j];
      i = j;
    }
  }
  f->set[i] = 0;
  f->code_pages--;
}

/* ------------------------------------------------------------------ engines: uc pointer -> fastpath_t */

enum { REG_SLOTS = 1024 };
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { void *uc; fastpath_t *f; } reg[REG_SLOTS]; /* guarded by reg_lock */
static atomic_ulong reg_version = 1;                        /* bumped by every attach/detach */
static __thread void *tls_uc;
static __thread fastpath_t *tls_f;
static __thread unsigned long tls_version;

/*
 * The engine's state, or NULL. Wrappers run on the thread emulating that engine; an engine is attached before its
 * first block and detached only by its owner when it no longer runs, so a cached pair is valid while no attach or
 * detach happened since (the version).
 */
static fastpath_t *lookup(void *uc) {
  unsigned long v = atomic_load_explicit(&reg_version, memory_order_acquire);
  if (tls_version == v && tls_uc == uc) return tls_f;
  fastpath_t *found = NULL;
  pthread_mutex_lock(&reg_lock);
  v = atomic_load_explicit(&reg_version, memory_order_relaxed);
  for (int i = 0; i < REG_SLOTS; i++) {
    if (reg[i].uc == uc) {
      found = reg[i].f;
      break;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  tls_uc = uc;
  tls_f = found;
  tls_version = v;
  return found;
}

/* ------------------------------------------------------------------ the wrappers */

static void wp_fill(void *cpu, uint64_t vaddr, int mmu_idx);

static void w_set_page(void *cpu, uint64_t vaddr, uint64_t paddr, uint32_t attrs, int prot, int mmu_idx,
    uint64_t size) {
  o_set_page(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
  void *uc = *(void **) ((char *) cpu + CPU_UC);
  fastpath_t *f = lookup(uc);
  if (f != NULL && f->wp_pages != 0 && mmu_idx >= 0 && mmu_idx < NB_MMU_MODES && wp_contains(f, paddr)) {
    wp_fill(cpu, vaddr, mmu_idx); /* a write-protected page: the entry a read-only region gets */
    return;
  }
  if (f == NULL || !f->enabled || mmu_idx < 0 || mmu_idx >= NB_MMU_MODES) return;
  uint64_t vpage = vaddr & ~(uint64_t) (PAGE_SIZE_4K - 1);
  char *env = *(char **) ((char *) cpu + CPU_ENV);
  uint64_t *fast = (uint64_t *) (env + ENV_TLB_FAST + 16 * mmu_idx);
  uint64_t index = (vpage >> 12) & (fast[0] >> TLB_ENTRY_BITS);
  uint64_t *te = (uint64_t *) ((char *) fast[1] + (index << TLB_ENTRY_BITS));
  if (te[1] != (vpage | TLB_NOTDIRTY)) return; /* not writable plain RAM, or other flags: as Unicorn made it */
  if (vpage != (paddr & ~(uint64_t) (PAGE_SIZE_4K - 1))) {
    f->kept_alias++;
    return;
  }
  uint64_t host = vpage + te[3];
  if (set_contains(f, host)) {
    f->kept_code++;
    return;
  }
  char *mr = f_memory_mapping(uc, vpage);
  if (mr == NULL || (*(uint32_t *) (mr + MR_PERMS) & UC_PROT_WRITE) == 0) {
    f->kept_perm++;
    return;
  }
  te[1] = vpage;
  f->fast_fills++;
}

static void w_protect(void *uc, uint64_t ram_addr) {
  o_protect(uc, ram_addr);
  fastpath_t *f = lookup(uc);
  if (f == NULL || !f->enabled) return;
  f->protects++;
  uint64_t page = ram_addr & ~(uint64_t) (PAGE_SIZE_4K - 1);
  uint64_t host = (uint64_t) (uintptr_t) f_map_ram_ptr(uc, NULL, page);
  void *cpu = *(void **) ((char *) uc + UC_CPU);
  if (host == 0 || !set_add(f, host)) {
    /* cannot track this page: fall back to stock behaviour for the whole engine */
    f->enabled = 0;
    if (cpu != NULL) f_tlb_flush(cpu);
    return;
  }
  if (cpu != NULL) f_reset_dirty(cpu, host, PAGE_SIZE_4K);
}

static int ram_block_known(void *uc, uint64_t ram_addr);

static void w_unprotect(void *uc, uint64_t ram_addr) {
  o_unprotect(uc, ram_addr);
  fastpath_t *f = lookup(uc);
  if (f == NULL || !f->enabled) return;
  f->unprotects++;
  /* a RAM block freed since (a region split or unmapped) can leave translated blocks behind whose later invalidation
   * names its offset; qemu_map_ram_ptr aborts the process on an offset no block holds ("Bad ram offset"). Its host
   * page, if still in the set, stays there: only slower. */
  if (!ram_block_known(uc, ram_addr)) return;
  uint64_t host = (uint64_t) (uintptr_t) f_map_ram_ptr(uc, NULL, ram_addr & ~(uint64_t) (PAGE_SIZE_4K - 1));
  if (host != 0) set_remove(f, host);
}

/* ------------------------------------------------------------------ install: build-id check and GOT patch */


static int symbol_is(uintptr_t addr, const char *name) {
  Dl_info di;
  return dladdr((void *) addr, &di) != 0 && di.dli_sname != NULL && strcmp(di.dli_sname, name) == 0
      && (uintptr_t) di.dli_saddr == addr;
}

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static int installed;          /* 1: patched */
static char install_reason[512];

static int install_locked(uintptr_t any_function) {
  Dl_info di;
  if (dladdr((void *) any_function, &di) == 0 || di.dli_fbase == NULL) {
    snprintf(install_reason, sizeof install_reason, "the Unicorn library's load address is unknown (dladdr)");
    return 0;
  }
  uintptr_t base = (uintptr_t) di.dli_fbase;
  const char *file = di.dli_fname != NULL ? di.dli_fname : "?";
  if (!efiemu_unicorn_build_known(base)) {
    snprintf(install_reason, sizeof install_reason,
        "%s is not Debian's libunicorn2 2.0.1.post1-1+b1 (GNU build-id f439d3d09a3fefbcc7d4014bd3f67c12d55957e6): "
        "Unicorn's stock store path is used", file);
    return 0;
  }
  static const struct { uintptr_t off; const char *name; } syms[] = {
      {OFF_TLB_SET_PAGE, "tlb_set_page_with_attrs_x86_64"}, {OFF_TLB_PROTECT, "tlb_protect_code_x86_64"},
      {OFF_TLB_UNPROTECT, "tlb_unprotect_code_x86_64"}, {OFF_TLB_RESET_DIRTY, "tlb_reset_dirty_x86_64"},
      {OFF_TLB_FLUSH, "tlb_flush_x86_64"}, {OFF_MAP_RAM_PTR, "qemu_map_ram_ptr_x86_64"},
      {OFF_MEMORY_MAPPING, "memory_mapping"}};
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    if (!symbol_is(base + syms[i].off, syms[i].name)) {
      snprintf(install_reason, sizeof install_reason, "%s: %s is not at +0x%lx as expected", file, syms[i].name,
          (unsigned long) syms[i].off);
      return 0;
    }
  }
  uintptr_t *slots[3] = {(uintptr_t *) (base + GOT_TLB_SET_PAGE), (uintptr_t *) (base + GOT_TLB_PROTECT),
      (uintptr_t *) (base + GOT_TLB_UNPROTECT)};
  uintptr_t expect[3] = {base + OFF_TLB_SET_PAGE, base + OFF_TLB_PROTECT, base + OFF_TLB_UNPROTECT};
  for (int i = 0; i < 3; i++) {
    if (*slots[i] != expect[i]) {
      snprintf(install_reason, sizeof install_reason, "%s: GOT slot +0x%lx holds 0x%lx, not its function", file,
          (unsigned long) ((uintptr_t) slots[i] - base), (unsigned long) *slots[i]);
      return 0;
    }
  }
  o_set_page = (set_page_fn) expect[0];
  o_protect = (protect_fn) expect[1];
  o_unprotect = (protect_fn) expect[2];
  f_reset_dirty = (reset_dirty_fn) (base + OFF_TLB_RESET_DIRTY);
  f_tlb_flush = (flush_fn) (base + OFF_TLB_FLUSH);
  f_map_ram_ptr = (map_ram_ptr_fn) (base + OFF_MAP_RAM_PTR);
  f_memory_mapping = (memory_mapping_fn) (base + OFF_MEMORY_MAPPING);
  uintptr_t pagesz = (uintptr_t) sysconf(_SC_PAGESIZE);
  uintptr_t lo = (base + GOT_TLB_SET_PAGE) & ~(pagesz - 1);
  uintptr_t hi = ((base + GOT_TLB_UNPROTECT) | (pagesz - 1)) + 1;
  if (mprotect((void *) lo, hi - lo, PROT_READ | PROT_WRITE) != 0) {
    snprintf(install_reason, sizeof install_reason, "%s: mprotect of its GOT failed", file);
    return 0;
  }
  uintptr_t wrappers[3] = {(uintptr_t) &w_set_page, (uintptr_t) &w_protect, (uintptr_t) &w_unprotect};
  for (int i = 0; i < 3; i++) __atomic_store_n(slots[i], wrappers[i], __ATOMIC_RELEASE);
  mprotect((void *) lo, hi - lo, PROT_READ); /* RELRO again; the slots are written */
  snprintf(install_reason, sizeof install_reason, "%s (Debian libunicorn2 2.0.1.post1-1+b1)", file);
  return 1;
}

/* null when installed (now or before); otherwise why not. */
JNIEXPORT jstring JNICALL Java_org_efiemu_core_engine_StoreFastPath_install(JNIEnv *env, jclass cls,
    jlong anyUnicornFunction) {
  (void) cls;
  pthread_mutex_lock(&install_lock);
  if (!installed) installed = install_locked((uintptr_t) anyUnicornFunction) ? 1 : -1;
  int ok = installed == 1;
  jstring r = (*env)->NewStringUTF(env, install_reason);
  pthread_mutex_unlock(&install_lock);
  return ok ? NULL : r;
}

JNIEXPORT jstring JNICALL Java_org_efiemu_core_engine_StoreFastPath_library(JNIEnv *env, jclass cls) {
  (void) cls;
  pthread_mutex_lock(&install_lock);
  jstring r = (*env)->NewStringUTF(env, install_reason);
  pthread_mutex_unlock(&install_lock);
  return r;
}

/*
 * Attaches an engine whose CPU exists (call after any API call that initialises it). 0 when not installed, when the
 * engine's uc/cpu pointers do not point at each other (layout check), or out of memory/slots.
 */
JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_StoreFastPath_attach0(JNIEnv *env, jclass cls, jlong ucHandle) {
  (void) env;
  (void) cls;
  if (installed != 1) return 0;
  void *uc = (void *) (intptr_t) ucHandle;
  void *cpu = *(void **) ((char *) uc + UC_CPU);
  if (cpu == NULL || *(void **) ((char *) cpu + CPU_UC) != uc || *(void **) ((char *) cpu + CPU_ENV) == NULL) return 0;
  fastpath_t *f = calloc(1, sizeof(fastpath_t));
  if (f == NULL) return 0;
  f->cap = 1024;
  f->set = calloc(f->cap, sizeof(uint64_t));
  if (f->set == NULL) {
    free(f);
    return 0;
  }
  f->uc = uc;
  f->enabled = 1;
  int slot = -1;
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < REG_SLOTS; i++) {
    if (reg[i].uc == uc) reg[i].uc = NULL, reg[i].f = NULL; /* a stale entry of a closed engine at this address */
    if (slot < 0 && reg[i].uc == NULL) slot = i;
  }
  if (slot >= 0) {
    reg[slot].f = f;
    reg[slot].uc = uc;
    atomic_fetch_add_explicit(&reg_version, 1, memory_order_release);
  }
  pthread_mutex_unlock(&reg_lock);
  if (slot < 0) {
    free(f->set);
    free(f);
    return 0;
  }
  return (jlong) (intptr_t) f;
}

/* Back to Unicorn's stock behaviour for this engine (every TLB entry refilled as Unicorn makes it). */
JNIEXPORT void JNICALL Java_org_efiemu_core_engine_StoreFastPath_disable0(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  fastpath_t *f = (fastpath_t *) (intptr_t) handle;
  if (f == NULL || !f->enabled) return;
  f->enabled = 0;
  void *cpu = *(void **) ((char *) f->uc + UC_CPU);
  if (cpu != NULL) f_tlb_flush(cpu);
}

/* Before uc_close. */
JNIEXPORT void JNICALL Java_org_efiemu_core_engine_StoreFastPath_detach0(JNIEnv *env, jclass cls, jlong handle) {
  (void) env;
  (void) cls;
  fastpath_t *f = (fastpath_t *) (intptr_t) handle;
  if (f == NULL) return;
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < REG_SLOTS; i++) {
    if (reg[i].f == f) reg[i].uc = NULL, reg[i].f = NULL;
  }
  atomic_fetch_add_explicit(&reg_version, 1, memory_order_release);
  pthread_mutex_unlock(&reg_lock);
  wp_clear_all(f);
  free(f->wp_keys);
  free(f->wp_bits);
  free(f->set);
  free(f);
}

JNIEXPORT jobject JNICALL Java_org_efiemu_core_engine_StoreFastPath_stats0(JNIEnv *env, jclass cls, jlong handle) {
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) handle, 64);
}

/* ================================================================== write protection by page (no region split)
 *
 * Java side: Engine.writeProtect / StoreFastPath.writeProtect (MemorySanitizer's protections).
 *
 * Why: uc_mem_protect changes the protection of a page range by splitting its Unicorn region (split_region: unmap,
 * map the pieces again) and every changed region is one memory-topology commit (flat view rebuilt, TLB flushed), about
 * 50-60 us each; the sanitizer makes about 15 such calls per hunt scenario, and every split region makes later map,
 * unmap and protect calls slower (docs/performance.md, "Hunt speed: the CPU outside Unicorn").
 *
 * What: a per-engine set of write-protected guest pages. In stock Unicorn 2.0.1 a region without UC_PROT_WRITE is
 * seen by guest stores in exactly two places, and both are reproduced for a page in the set, so a guest store sees
 * what it sees on a write-protected region:
 *  1. store_helper asks memory_mapping(uc, addr) for the region of the store's (virtual) address and calls the
 *     UC_HOOK_MEM_WRITE_PROT hooks when that region's perms lack UC_PROT_WRITE. memory_mapping is called through the
 *     library's PLT; its GOT slot points at w_memory_mapping, which, when called from store_helper (its return address
 *     inside that function: checked at install on the three call sites) for a page in the set, returns a copy of the
 *     region's first bytes with UC_PROT_WRITE removed from perms (store_helper reads nothing of it but perms).
 *  2. tlb_set_page_with_attrs gives a writable RAM page of a read-only section TLB_DISCARD_WRITE instead of
 *     TLB_NOTDIRTY; w_set_page does the same for a page in the set (by physical page, as the section is).
 * Every change of the set flushes the TLB as uc_mem_protect's commit does: store_helper keeps the write entry it read
 * before calling the hooks, so whether the page had an entry decides whether the store that raised the hook lands,
 * in stock Unicorn as here.
 * Not reproduced: stores that bypass store_helper and check a region's read-only flag, i.e. the page walker setting
 * accessed/dirty bits in page-table entries that lie in a protected page: dropped on a read-only region, they land
 * here (as on a real CPU). Host writes (Engine.write) copy into host memory and ignore protection either way.
 */
enum {
  OFF_STORE_HELPER = 0x3f90f0,     /* store_helper (static; follows helper_ret_stb_mmu_x86_64's 16 bytes) */
  OFF_STORE_HELPER_END = 0x3f99e0, /* helper_le_stw_mmu_x86_64 */
  OFF_MEMORY_MAPPING_PLT = 0x39d620,
  GOT_MEMORY_MAPPING = 0x11fe290,
  TLB_DISCARD_WRITE = 0x40,
  TLB_MMIO_FLAG = 0x200,
  WP_GRANULE_BITS = 15, /* pages per granule: one 4 KiB bitmap covers 128 MiB */
};
static const uint32_t STORE_HELPER_CALLS[3] = {0x3f91d6, 0x3f92e5, 0x3f94e3}; /* call memory_mapping@plt */
static uintptr_t store_lo, store_hi;
static int wp_installed; /* 1: memory_mapping's GOT slot patched; -1: refused */
enum { UC_SIZE_RECUR_MEM = 0x508 }; /* uc_struct.size_recur_mem in this build (checked at install) */
static int recur_off = -1;          /* UC_SIZE_RECUR_MEM once checked; -1: unknown */
static char wp_reason[600];

static size_t wp_slot(uint64_t key, size_t cap) {
  return (size_t) (key * 0x9E3779B97F4A7C15ULL >> 24) & (cap - 1);
}

/* The bitmap of the granule holding page number `page`, or NULL (create: allocate it; NULL when out of memory). */
static uint64_t *wp_bitmap(fastpath_t *f, uint64_t page, int create) {
  uint64_t key = (page >> WP_GRANULE_BITS) + 1;
  if (f->wp_cap != 0) {
    for (size_t i = wp_slot(key, f->wp_cap);; i = (i + 1) & (f->wp_cap - 1)) {
      if (f->wp_keys[i] == key) return f->wp_bits[i];
      if (f->wp_keys[i] == 0) break;
    }
  }
  if (!create) return NULL;
  if ((f->wp_granules + 1) * 2 > f->wp_cap) {
    size_t ncap = f->wp_cap == 0 ? 16 : f->wp_cap * 2;
    uint64_t *nk = calloc(ncap, sizeof(uint64_t));
    uint64_t **nb = calloc(ncap, sizeof(uint64_t *));
    if (nk == NULL || nb == NULL) {
      free(nk);
      free(nb);
      return NULL;
    }
    for (size_t i = 0; i < f->wp_cap; i++) {
      if (f->wp_keys[i] == 0) continue;
      size_t j = wp_slot(f->wp_keys[i], ncap);
      while (nk[j] != 0) j = (j + 1) & (ncap - 1);
      nk[j] = f->wp_keys[i];
      nb[j] = f->wp_bits[i];
    }
    free(f->wp_keys);
    free(f->wp_bits);
    f->wp_keys = nk;
    f->wp_bits = nb;
    f->wp_cap = ncap;
  }
  uint64_t *bits = calloc((1u << WP_GRANULE_BITS) / 64, sizeof(uint64_t));
  if (bits == NULL) return NULL;
  size_t i = wp_slot(key, f->wp_cap);
  while (f->wp_keys[i] != 0) i = (i + 1) & (f->wp_cap - 1);
  f->wp_keys[i] = key;
  f->wp_bits[i] = bits;
  f->wp_granules++;
  return bits;
}

static int wp_contains(const fastpath_t *f, uint64_t address) {
  uint64_t page = address >> 12;
  uint64_t *bits = wp_bitmap((fastpath_t *) f, page, 0);
  if (bits == NULL) return 0;
  uint64_t bit = page & ((1u << WP_GRANULE_BITS) - 1);
  return (int) ((bits[bit >> 6] >> (bit & 63)) & 1);
}

static void wp_clear_all(fastpath_t *f) {
  for (size_t i = 0; i < f->wp_cap; i++) {
    free(f->wp_bits[i]);
    f->wp_bits[i] = NULL;
    f->wp_keys[i] = 0;
  }
  f->wp_granules = 0;
  f->wp_pages = 0;
}

/* Turns the write entry Unicorn just made for a page in the set into the one a read-only region's page gets. */
static void wp_fill(void *cpu, uint64_t vaddr, int mmu_idx) {
  uint64_t vpage = vaddr & ~(uint64_t) (PAGE_SIZE_4K - 1);
  char *env = *(char **) ((char *) cpu + CPU_ENV);
  uint64_t *fast = (uint64_t *) (env + ENV_TLB_FAST + 16 * mmu_idx);
  uint64_t index = (vpage >> 12) & (fast[0] >> TLB_ENTRY_BITS);
  uint64_t *te = (uint64_t *) ((char *) fast[1] + (index << TLB_ENTRY_BITS));
  uint64_t w = te[1];
  if (w == (uint64_t) -1 || (w & ~(uint64_t) (PAGE_SIZE_4K - 1)) != vpage) return; /* not writable: as made */
  if ((w & (TLB_NOTDIRTY | TLB_MMIO_FLAG | TLB_DISCARD_WRITE)) != TLB_NOTDIRTY) return; /* not plain RAM */
  te[1] = (w & ~(uint64_t) TLB_NOTDIRTY) | TLB_DISCARD_WRITE;
}

static void *w_memory_mapping(void *uc, uint64_t address) {
  void *mr = f_memory_mapping(uc, address);
  uintptr_t ra = (uintptr_t) __builtin_return_address(0);
  if (mr == NULL || ra < store_lo || ra >= store_hi) return mr;
  fastpath_t *f = lookup(uc);
  if (f == NULL || f->wp_pages == 0 || !wp_contains(f, address)) return mr;
  memcpy(f->wp_fake, mr, sizeof f->wp_fake);
  *(uint32_t *) (f->wp_fake + MR_PERMS) &= ~(uint32_t) UC_PROT_WRITE;
  return f->wp_fake;
}

static int wp_install_locked(void) {
  if (installed != 1) {
    snprintf(wp_reason, sizeof wp_reason, "needs the store fast path's library check: %s", install_reason);
    return 0;
  }
  Dl_info di;
  if (dladdr((void *) f_memory_mapping, &di) == 0 || di.dli_fbase == NULL) {
    snprintf(wp_reason, sizeof wp_reason, "the Unicorn library's load address is unknown (dladdr)");
    return 0;
  }
  uintptr_t base = (uintptr_t) di.dli_fbase;
  for (int i = 0; i < 3; i++) {
    const uint8_t *c = (const uint8_t *) (base + STORE_HELPER_CALLS[i]);
    int32_t rel;
    memcpy(&rel, c + 1, 4);
    if (c[0] != 0xe8 || base + STORE_HELPER_CALLS[i] + 5 + (intptr_t) rel != base + OFF_MEMORY_MAPPING_PLT) {
      snprintf(wp_reason, sizeof wp_reason, "store_helper's call at +0x%x is not a call of memory_mapping@plt",
          STORE_HELPER_CALLS[i]);
      return 0;
    }
  }
  uintptr_t *slot = (uintptr_t *) (base + GOT_MEMORY_MAPPING);
  if (*slot != base + OFF_MEMORY_MAPPING) {
    snprintf(wp_reason, sizeof wp_reason, "GOT slot +0x%x does not hold memory_mapping", GOT_MEMORY_MAPPING);
    return 0;
  }
  store_lo = base + OFF_STORE_HELPER;
  store_hi = base + OFF_STORE_HELPER_END;
  /* store_helper reads env->uc (env + 0x1b38) and tests uc->size_recur_mem (uc + 0x508: "mov 0x508(%rbx),%r11d"),
     which its byte-by-byte loop sets for the bytes of an unaligned or page-crossing store: mem_hook.c's store hook
     reads it to tell those bytes from a store of their own (efiemu_store_nested). */
  static const uint8_t LOAD_UC[7] = {0x48, 0x8b, 0x9f, 0x38, 0x1b, 0x00, 0x00};    /* +0x3f9113 */
  static const uint8_t TEST_RECUR[7] = {0x44, 0x8b, 0x9b, 0x08, 0x05, 0x00, 0x00}; /* +0x3f9197 */
  if (memcmp((const void *) (base + 0x3f9113), LOAD_UC, sizeof LOAD_UC) == 0
      && memcmp((const void *) (base + 0x3f9197), TEST_RECUR, sizeof TEST_RECUR) == 0) {
    recur_off = UC_SIZE_RECUR_MEM;
  }
  uintptr_t pagesz = (uintptr_t) sysconf(_SC_PAGESIZE);
  uintptr_t lo = (uintptr_t) slot & ~(pagesz - 1);
  if (mprotect((void *) lo, pagesz, PROT_READ | PROT_WRITE) != 0) {
    snprintf(wp_reason, sizeof wp_reason, "mprotect of the GOT failed");
    return 0;
  }
  __atomic_store_n(slot, (uintptr_t) &w_memory_mapping, __ATOMIC_RELEASE);
  mprotect((void *) lo, pagesz, PROT_READ);
  snprintf(wp_reason, sizeof wp_reason, "page write protection without region splits");
  return 1;
}

/* null when installed (now or before); otherwise why not. */
JNIEXPORT jstring JNICALL Java_org_efiemu_core_engine_StoreFastPath_installWriteProtect0(JNIEnv *env, jclass cls) {
  (void) cls;
  pthread_mutex_lock(&install_lock);
  if (!wp_installed) wp_installed = wp_install_locked() ? 1 : -1;
  int ok = wp_installed == 1;
  jstring r = (*env)->NewStringUTF(env, wp_reason);
  pthread_mutex_unlock(&install_lock);
  return ok ? NULL : r;
}

/* Adds (on != 0) or removes `pages` pages from `address` (4 KiB aligned) to or from the set; flushes the TLB as a
 * commit would. 0 when out of memory (nothing is half done that Java relies on: it then falls back). */
JNIEXPORT jint JNICALL Java_org_efiemu_core_engine_StoreFastPath_writeProtect0(JNIEnv *env, jclass cls, jlong handle,
    jlong address, jlong pages, jboolean on) {
  (void) env;
  (void) cls;
  fastpath_t *f = (fastpath_t *) (intptr_t) handle;
  uint64_t first = (uint64_t) address >> 12;
  for (uint64_t p = first; p < first + (uint64_t) pages; p++) {
    uint64_t *bits = wp_bitmap(f, p, on);
    if (bits == NULL) {
      if (on) return 0;
      p |= (1u << WP_GRANULE_BITS) - 1; /* no page of this granule is in the set */
      continue;
    }
    uint64_t bit = p & ((1u << WP_GRANULE_BITS) - 1);
    uint64_t mask = 1ULL << (bit & 63);
    int was = (bits[bit >> 6] & mask) != 0;
    if (on && !was) {
      bits[bit >> 6] |= mask;
      f->wp_pages++;
    } else if (!on && was) {
      bits[bit >> 6] &= ~mask;
      f->wp_pages--;
    }
  }
  void *cpu = *(void **) ((char *) f->uc + UC_CPU);
  if (cpu != NULL) f_tlb_flush(cpu);
  return 1;
}

/* Empties the set (an engine handed to its next machine); flushes the TLB. */
JNIEXPORT void JNICALL Java_org_efiemu_core_engine_StoreFastPath_writeProtectClear0(JNIEnv *env, jclass cls,
    jlong handle) {
  (void) env;
  (void) cls;
  fastpath_t *f = (fastpath_t *) (intptr_t) handle;
  if (f->wp_pages == 0 && f->wp_granules == 0) return;
  wp_clear_all(f);
  void *cpu = *(void **) ((char *) f->uc + UC_CPU);
  if (cpu != NULL) f_tlb_flush(cpu);
}

JNIEXPORT jboolean JNICALL Java_org_efiemu_core_engine_StoreFastPath_writeProtected0(JNIEnv *env, jclass cls,
    jlong handle, jlong address) {
  (void) env;
  (void) cls;
  return wp_contains((fastpath_t *) (intptr_t) handle, (uint64_t) address) ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jlong JNICALL Java_org_efiemu_core_engine_StoreFastPath_writeProtectedPages0(JNIEnv *env, jclass cls,
    jlong handle) {
  (void) env;
  (void) cls;
  return ((fastpath_t *) (intptr_t) handle)->wp_pages;
}

/* ================================================================== RAM block lookup that cannot abort
 * qemu_get_ram_block (static, at +0x3c1b80 in this build) walks uc->ram_list.blocks (uc + 0x258; RAMBlock.next at
 * +0x30, offset at +0x10, max_length at +0x20) and aborts when no block holds the offset. The same walk, answering. */
enum { UC_RAM_BLOCKS = 0x258, RB_OFFSET = 0x10, RB_MAX_LENGTH = 0x20, RB_NEXT = 0x30, OFF_GET_RAM_BLOCK = 0x3c1b80 };
static const uint8_t GET_RAM_BLOCK_CODE[] = {0x48, 0x8b, 0x87, 0x50, 0x02, 0x00, 0x00, 0x48, 0x85, 0xc0, 0x74, 0x0d,
    0x48, 0x89, 0xf2, 0x48, 0x2b, 0x50, 0x10, 0x48, 0x3b, 0x50, 0x20, 0x72, 0x37, 0x48, 0x8b, 0x87, 0x58, 0x02, 0x00,
    0x00};
static int ram_layout; /* 0: not checked yet, 1: the code above is there, -1: it is not (then every offset is "known") */

static int ram_block_known(void *uc, uint64_t ram_addr) {
  if (ram_layout == 0) {
    Dl_info di;
    int ok = f_map_ram_ptr != NULL && dladdr((void *) f_map_ram_ptr, &di) != 0 && di.dli_fbase != NULL
        && memcmp((const void *) ((uintptr_t) di.dli_fbase + OFF_GET_RAM_BLOCK), GET_RAM_BLOCK_CODE,
               sizeof GET_RAM_BLOCK_CODE) == 0;
    ram_layout = ok ? 1 : -1;
  }
  if (ram_layout < 0) return 1;
  for (char *b = *(char **) ((char *) uc + UC_RAM_BLOCKS); b != NULL; b = *(char **) (b + RB_NEXT)) {
    if (ram_addr - *(uint64_t *) (b + RB_OFFSET) < *(uint64_t *) (b + RB_MAX_LENGTH)) return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ for mem_hook.c's store hook */

/* 1 when the page of `address` is in the engine's set of write-protected pages (a store there is discarded by
   store_helper: TLB_DISCARD_WRITE), else 0. */
int efiemu_wp_protected(void *uc, uint64_t address) {
  fastpath_t *f = lookup(uc);
  return f != NULL && f->wp_pages != 0 && wp_contains(f, address);
}

/* 1 when store_helper is inside its byte-by-byte loop (uc->size_recur_mem != 0: the bytes of an unaligned or
   page-crossing store), 0 when not, -1 when this build's offset is unknown. */
int efiemu_store_nested(void *uc) {
  if (recur_off < 0) return -1;
  return *(const int *) ((const char *) uc + recur_off) != 0;
}

/* Whether efiemu_store_nested can answer (the page set installed on the known build and its offset checked). */
JNIEXPORT jboolean JNICALL Java_org_efiemu_core_engine_StoreFastPath_storeNestingKnown0(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  pthread_mutex_lock(&install_lock);
  int ok = wp_installed == 1 && recur_off >= 0;
  pthread_mutex_unlock(&install_lock);
  return ok ? JNI_TRUE : JNI_FALSE;
}
