/* static-pool, 64 KiB: Kiper's first estimate (map of 200+ descriptors plus ~1 KiB of command lines, x4). */
#define SP_NAME "static-pool-64k"
#define STATIC_POOL_SIZE 0x10000UL
#include "static_pool.h"
