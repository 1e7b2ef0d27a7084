include $(dir $(lastword $(MAKEFILE_LIST)))../include/strategy.mk
# multiboot2 puts Xen's `start` at 1 MiB. EDK2's loader honours an ImageBase >= 1 MiB when the pages
# are free (CoreLoadPeImage: AllocateAddress at ImageBase first), so real OVMF loads this image at 1 MiB.
IMAGE_BASE := 0x100000
