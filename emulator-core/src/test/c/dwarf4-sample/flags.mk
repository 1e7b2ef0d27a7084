# DWARF 4 line tables
EXTRA_CFLAGS := -g -gdwarf-4
