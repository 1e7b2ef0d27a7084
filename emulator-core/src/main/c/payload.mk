# Builds x86-64 PE32+ EFI images from C with gcc and GNU ld (no objcopy, no binary committed).
#
#   make -f payload.mk SRC_DIR=<dir> OUT_DIR=<dir>
#
# Every sub-folder <SRC_DIR>/<name>/ holding *.c (and optionally *.S) files becomes <OUT_DIR>/<name>.efi.
# A sub-folder may hold a `flags.mk` that sets EXTRA_CFLAGS / EXTRA_LDFLAGS / IMAGE_BASE for that payload
# (read with `make -f payload.mk ... name=<name>` per payload, see the recursive rule below).
#
# The shared freestanding runtime (rt/*.c: memset, memcpy, console and number printing) is linked into
# every payload. UEFI types come from Debian's gnu-efi headers (package gnu-efi).

PAYLOAD_MK_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
EFI_INC ?= /usr/include/efi
CC ?= gcc
LD ?= ld

ifeq ($(wildcard $(EFI_INC)/efi.h),)
$(error gnu-efi headers not found in $(EFI_INC); install them with: sudo apt-get install -y gnu-efi)
endif

SRC_DIR ?= .
OUT_DIR ?= out
OBJ_DIR ?= $(OUT_DIR)/obj

CFLAGS_COMMON := -O2 -std=gnu11 -ffreestanding -fshort-wchar -mno-red-zone -fno-stack-protector \
  -fno-stack-check -fpie -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident \
  -fno-builtin -fno-strict-aliasing -fno-merge-constants -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
  -DGNU_EFI_USE_MS_ABI -DEFI_FUNCTION_WRAPPER= \
  -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(EFI_INC)/protocol -I$(PAYLOAD_MK_DIR)include
# base relocations are kept (--enable-reloc-section) so images load at any address
LDFLAGS_COMMON := -m i386pep --subsystem 10 --enable-reloc-section -nostdlib -e efi_main \
  --file-alignment 0x200 --section-alignment 0x1000

PAYLOADS := $(patsubst $(SRC_DIR)/%/,%,$(sort $(dir $(wildcard $(SRC_DIR)/*/*.c))))
RT_SRCS := $(wildcard $(PAYLOAD_MK_DIR)rt/*.c)
RT_OBJS := $(patsubst $(PAYLOAD_MK_DIR)rt/%.c,$(OBJ_DIR)/rt/%.o,$(RT_SRCS))
HEADERS := $(wildcard $(PAYLOAD_MK_DIR)include/*.h)

.PHONY: all
all: $(patsubst %,$(OUT_DIR)/%.efi,$(PAYLOADS))

$(OBJ_DIR)/rt/%.o: $(PAYLOAD_MK_DIR)rt/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -c $< -o $@

# one rule per payload, so each may carry its own flags.mk
define PAYLOAD_RULES
$(1)_FLAGS_MK := $(wildcard $(SRC_DIR)/$(1)/flags.mk)
EXTRA_CFLAGS :=
EXTRA_LDFLAGS :=
IMAGE_BASE := 0x10000000
$$(if $$($(1)_FLAGS_MK),$$(eval include $$($(1)_FLAGS_MK)))
$(1)_CFLAGS := $$(EXTRA_CFLAGS)
$(1)_LDFLAGS := $$(EXTRA_LDFLAGS)
$(1)_BASE := $$(IMAGE_BASE)
$(1)_SRCS := $(wildcard $(SRC_DIR)/$(1)/*.c) $(wildcard $(SRC_DIR)/$(1)/*.S)
$(1)_OBJS := $$(patsubst $(SRC_DIR)/$(1)/%,$(OBJ_DIR)/$(1)/%.o,$$($(1)_SRCS))

$(OBJ_DIR)/$(1)/%.c.o: $(SRC_DIR)/$(1)/%.c $(HEADERS) $$($(1)_FLAGS_MK)
	@mkdir -p $$(dir $$@)
	$(CC) $(CFLAGS_COMMON) $$($(1)_CFLAGS) -I$(SRC_DIR)/$(1) -c $$< -o $$@

$(OBJ_DIR)/$(1)/%.S.o: $(SRC_DIR)/$(1)/%.S $$($(1)_FLAGS_MK)
	@mkdir -p $$(dir $$@)
	$(CC) $(CFLAGS_COMMON) $$($(1)_CFLAGS) -I$(SRC_DIR)/$(1) -c $$< -o $$@

$(OUT_DIR)/$(1).efi: $$($(1)_OBJS) $(RT_OBJS)
	@mkdir -p $$(dir $$@)
	$(LD) $(LDFLAGS_COMMON) --image-base $$($(1)_BASE) $$($(1)_LDFLAGS) -o $$@ $$($(1)_OBJS) $(RT_OBJS)
endef
$(foreach p,$(PAYLOADS),$(eval $(call PAYLOAD_RULES,$(p))))
