/*
 * The one Unicorn build whose internals the shim patches (store_fastpath.c, block_inline.c): Debian's libunicorn2
 * 2.0.1.post1-1+b1 for amd64, known by its GNU build-id. Each patch checks the build first and falls back to Unicorn's
 * stock path on any other.
 */
#ifndef EFIEMU_UNICORN_BUILD_H
#define EFIEMU_UNICORN_BUILD_H

#include <stdint.h>

/* 1 if the shared object loaded at base carries that build's GNU build-id; 0 otherwise (another build, none, or no
   object loaded at base). */
int efiemu_unicorn_build_known(uintptr_t base);

#endif
