# a hand-written profile
name: tiny   # trailing comment
memory-map:
EfiConventionalMemory 0x1000-0x9FFFF 0xF
EfiBootServicesData   0x100000-0x1FFFFF 0xF   # 1 MiB
OEM(0x70000001)       0x200000-0x200FFF 0x8
