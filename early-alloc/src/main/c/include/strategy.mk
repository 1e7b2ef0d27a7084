# Included by every strategy's flags.mk (payload.mk reads flags.mk once per payload; see
# emulator-core/src/main/c/payload.mk). Adds the shared headers of include/ to the payload's include path
# and makes the payload's objects depend on them, so editing xenboot.h rebuilds every strategy.
#
# The including flags.mk is the second-to-last makefile read when this file is read.
XB_FLAGS_MK := $(word $(words $(MAKEFILE_LIST)),x $(MAKEFILE_LIST))
XB_PAYLOAD := $(notdir $(patsubst %/,%,$(dir $(XB_FLAGS_MK))))
XB_INCLUDE := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

EXTRA_CFLAGS := -I$(XB_INCLUDE)

$(patsubst $(SRC_DIR)/$(XB_PAYLOAD)/%,$(OBJ_DIR)/$(XB_PAYLOAD)/%.o,$(wildcard $(SRC_DIR)/$(XB_PAYLOAD)/*.c)): \
  $(wildcard $(XB_INCLUDE)/*.h)
