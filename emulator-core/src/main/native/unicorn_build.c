/* See unicorn_build.h. */
#define _GNU_SOURCE
#include "unicorn_build.h"

#include <elf.h>
#include <link.h>
#include <string.h>

static const uint8_t BUILD_ID[20] = {0xf4, 0x39, 0xd3, 0xd0, 0x9a, 0x3f, 0xef, 0xbc, 0xc7, 0xd4,
                                     0x01, 0x4b, 0xd3, 0xf6, 0x7c, 0x12, 0xd5, 0x59, 0x57, 0xe6};

typedef struct {
  uintptr_t base;
  int known;
} build_search_t;

/* dl_iterate_phdr callback: looks through the PT_NOTE segments of the object loaded at s->base for the build-id. */
static int build_note_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void) size;
  build_search_t *s = data;
  if (info->dlpi_addr != s->base) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE) continue;
    const char *p = (const char *) (info->dlpi_addr + ph->p_vaddr);
    const char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *) p;
      const char *name = p + sizeof(ElfW(Nhdr));
      const uint8_t *desc = (const uint8_t *) (name + ((n->n_namesz + 3) & ~3u));
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0
          && n->n_descsz == sizeof BUILD_ID && memcmp(desc, BUILD_ID, sizeof BUILD_ID) == 0) {
        s->known = 1;
      }
      p = (const char *) desc + ((n->n_descsz + 3) & ~3u);
    }
  }
  return 1;
}

int efiemu_unicorn_build_known(uintptr_t base) {
  build_search_t s = {base, 0};
  dl_iterate_phdr(build_note_cb, &s);
  return s.known;
}
