include $(dir $(lastword $(MAKEFILE_LIST)))../include/strategy.mk
