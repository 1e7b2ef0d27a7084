/* place-string, multiboot2 layout: linked (and, on EDK2, loaded) at 1 MiB, so `start` is just above
   1 MiB and the chunks grow below 1 MiB into memory nobody allocated. */
#define PS_NAME "place-string-mb2"
#include "place_string.h"
