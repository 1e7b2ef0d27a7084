include $(dir $(lastword $(MAKEFILE_LIST)))../../../main/c/include/strategy.mk
