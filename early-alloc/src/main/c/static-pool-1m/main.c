/* static-pool, 1 MiB: the size Jan Beulich asked for (the seed). */
#define SP_NAME "static-pool-1m"
#define STATIC_POOL_SIZE 0x100000UL
#include "static_pool.h"
