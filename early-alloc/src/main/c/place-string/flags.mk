include $(dir $(lastword $(MAKEFILE_LIST)))../include/strategy.mk
# xen.efi layout: `start` (first byte of .text) 1 MiB above the image base; the gap is part of the image.
IMAGE_BASE := 0x10000000
EXTRA_LDFLAGS := --section-start=.text=0x10100000
