/* place-string, xen.efi layout: .text 1 MiB above the image base (flags.mk), chunks from that gap. */
#define PS_NAME "place-string"
#include "place_string.h"
