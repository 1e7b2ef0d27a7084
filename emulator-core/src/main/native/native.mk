# Builds the call-gate JNI shim: make -f native.mk OUT_DIR=<classes>/native/linux-x86_64 JAVA_HOME=<java.home>
# Needs only gcc and the JDK's JNI headers. When either is missing the shim is skipped with a warning and the
# library falls back to JNA callbacks (NativeGate.status() says why) and counts instructions per instruction
# (BlockCounter.unavailableReason()).
SRC_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
CC ?= gcc
JNI_INCLUDE := $(firstword $(wildcard $(JAVA_HOME)/include/jni.h $(JAVA_HOME)/../include/jni.h))
CFLAGS := -O2 -fPIC -shared -std=c11 -Wall -Wextra -fvisibility=default
LIB := $(OUT_DIR)/libefiemu_gate.so
# every C file of this folder goes into the one library (efiemu_gate.c, store_fastpath.c, ...)
SRCS := $(wildcard $(SRC_DIR)*.c)

ifeq ($(shell uname -s)-$(shell uname -m),Linux-x86_64)
ifneq ($(JNI_INCLUDE),)
ifneq ($(shell command -v $(CC)),)
all: $(LIB)
$(LIB): $(SRCS)
	mkdir -p $(OUT_DIR)
	$(CC) $(CFLAGS) -I$(dir $(JNI_INCLUDE)) -I$(dir $(JNI_INCLUDE))linux -o $@ $(SRCS) -ldl -lpthread
else
all:
	@echo "[WARNING] efiemu: no C compiler ($(CC)); call gate uses JNA callbacks"
endif
else
all:
	@echo "[WARNING] efiemu: no jni.h under $(JAVA_HOME); call gate uses JNA callbacks"
endif
else
all:
	@echo "[WARNING] efiemu: the call-gate shim is built for Linux x86-64 only; call gate uses JNA callbacks"
endif
.PHONY: all
