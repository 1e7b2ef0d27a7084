# DWARF line tables for the debugger tests (source lines in where, disas, traces, break FILE:LINE)
EXTRA_CFLAGS := -g
