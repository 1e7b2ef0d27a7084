# DWARF 5 line tables (gcc 12 default for -g)
EXTRA_CFLAGS := -g -gdwarf-5
