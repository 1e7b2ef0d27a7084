name: ovmf-q35-2g
description: QEMU q35 (TCG, 1 vCPU, stdvga) with 2G RAM, Debian OVMF 2022.11; map at BDS start of BOOTX64.EFI
source: capture org/efiemu/platform/captures/ovmf-q35-2g.log made by: efiemu profile capture --qemu-machine q35 --mem 2G --name ovmf-q35-2g (format 2; recaptured with the same map at entry, bin scan and 90 step lines as the format-1 capture this memory map, placement and pool-free lines were made from)
source: QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3); firmware ovmf 2022.11-6+deb12u2 (/usr/share/OVMF/OVMF_CODE_4M.fd, fresh copy of /usr/share/OVMF/OVMF_VARS_4M.fd)
source: map = GetMemoryMap at the probe's entry (platforms/src/main/c/ovmf-probe); identity = the probe's CPUID, SMBIOS and ACPI reads
source: inferred: EfiLoaderCode 0x10000000-0x10028FFF returned to EfiConventionalMemory (the probe's own image, LoadedImage base 0x10000000 size 0x29000; efiemu loads the application itself)
source: inferred: EfiRuntimeServicesData bin 0x7F4EC000-0x7F5EBFFF: free 0x7F4EC000-0x7F51BFFF (0x30 pages) (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiRuntimeServicesCode bin 0x7F5EC000-0x7F6EBFFF: free 0x7F5EC000-0x7F657FFF (0x6C pages) (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiReservedMemoryType bin 0x7F6EC000-0x7F76BFFF: free 0x7F6EC000-0x7F73CFFF (0x51 pages) (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiACPIReclaimMemory bin 0x7F76C000-0x7F77DFFF: free 0x7F76C000-0x7F772FFF (0x7 pages) (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiACPIMemoryNVS bin 0x7F77E000-0x7F7FDFFF: free 0x7F77E000-0x7F7DBFFF (0x5E pages), 0x7F7DD000-0x7F7E9FFF (0xD pages) (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: placement bins = OVMF MemTypeInfo.c bins found in the map; default-max = lowest bin base - 1 (EDK2 mDefaultMaximumAddress)
source: SMBIOS type 1 serial number is empty on this machine; written as the format's default 0
placement: edk2-topdown bins=EfiRuntimeServicesData@0x7F4EC000+0x100,EfiRuntimeServicesCode@0x7F5EC000+0x100,EfiReservedMemoryType@0x7F6EC000+0x80,EfiACPIReclaimMemory@0x7F76C000+0x12,EfiACPIMemoryNVS@0x7F77E000+0x80 default-max=0x7F4EBFFF
descriptor-size: 48
descriptor-version: 1
firmware-vendor: EDK II
firmware-revision: 0x10000
uefi-revision: 2.70
cpu-vendor: AuthenticAMD
cpu-family: 15
cpu-model: 107
cpu-stepping: 1
cpu-brand: QEMU Virtual CPU version 2.5+
cpu-count: 1
smbios-bios-vendor: EFI Development Kit II / OVMF
smbios-bios-version: 0.0.0
smbios-bios-date: 02/06/2015
smbios-manufacturer: QEMU
smbios-product: Standard PC (Q35 + ICH9, 2009)
smbios-version: pc-q35-7.2
smbios-serial: 0
acpi-oem-id: BOCHS
acpi-oem-table-id: BXPC
console: 80x25
memory-map:
EfiBootServicesCode       0x0000000000000000-0x0000000000000FFF 0xF
EfiConventionalMemory     0x0000000000001000-0x000000000009FFFF 0xF
EfiConventionalMemory     0x0000000000100000-0x0000000000805FFF 0xF
EfiACPIMemoryNVS          0x0000000000806000-0x0000000000807FFF 0xF
EfiConventionalMemory     0x0000000000808000-0x000000000080FFFF 0xF
EfiACPIMemoryNVS          0x0000000000810000-0x00000000008FFFFF 0xF
EfiBootServicesData       0x0000000000900000-0x00000000014FFFFF 0xF
EfiConventionalMemory     0x0000000001500000-0x000000007BB74FFF 0xF
EfiBootServicesData       0x000000007BB75000-0x000000007BB94FFF 0xF
EfiConventionalMemory     0x000000007BB95000-0x000000007DE8EFFF 0xF
EfiBootServicesData       0x000000007DE8F000-0x000000007E52DFFF 0xF
EfiConventionalMemory     0x000000007E52E000-0x000000007E530FFF 0xF
EfiBootServicesData       0x000000007E531000-0x000000007E543FFF 0xF
EfiBootServicesCode       0x000000007E544000-0x000000007E5E1FFF 0xF
EfiBootServicesData       0x000000007E5E2000-0x000000007E620FFF 0xF
EfiBootServicesCode       0x000000007E621000-0x000000007E625FFF 0xF
EfiBootServicesData       0x000000007E626000-0x000000007E626FFF 0xF
EfiBootServicesCode       0x000000007E627000-0x000000007E643FFF 0xF
EfiBootServicesData       0x000000007E644000-0x000000007E646FFF 0xF
EfiBootServicesCode       0x000000007E647000-0x000000007E650FFF 0xF
EfiBootServicesData       0x000000007E651000-0x000000007E652FFF 0xF
EfiBootServicesCode       0x000000007E653000-0x000000007E669FFF 0xF
EfiBootServicesData       0x000000007E66A000-0x000000007E66AFFF 0xF
EfiBootServicesCode       0x000000007E66B000-0x000000007E672FFF 0xF
EfiBootServicesData       0x000000007E673000-0x000000007E676FFF 0xF
EfiBootServicesCode       0x000000007E677000-0x000000007E68DFFF 0xF
EfiBootServicesData       0x000000007E68E000-0x000000007E68FFFF 0xF
EfiBootServicesCode       0x000000007E690000-0x000000007E6A6FFF 0xF
EfiBootServicesData       0x000000007E6A7000-0x000000007E6B1FFF 0xF
EfiBootServicesCode       0x000000007E6B2000-0x000000007E6C6FFF 0xF
EfiBootServicesData       0x000000007E6C7000-0x000000007E6CEFFF 0xF
EfiBootServicesCode       0x000000007E6CF000-0x000000007E6F1FFF 0xF
EfiBootServicesData       0x000000007E6F2000-0x000000007E6F3FFF 0xF
EfiBootServicesCode       0x000000007E6F4000-0x000000007E707FFF 0xF
EfiBootServicesData       0x000000007E708000-0x000000007E70EFFF 0xF
EfiBootServicesCode       0x000000007E70F000-0x000000007E727FFF 0xF
EfiBootServicesData       0x000000007E728000-0x000000007E72AFFF 0xF
EfiBootServicesCode       0x000000007E72B000-0x000000007E730FFF 0xF
EfiBootServicesData       0x000000007E731000-0x000000007E732FFF 0xF
EfiBootServicesCode       0x000000007E733000-0x000000007E73FFFF 0xF
EfiBootServicesData       0x000000007E740000-0x000000007E740FFF 0xF
EfiBootServicesCode       0x000000007E741000-0x000000007E7A2FFF 0xF
EfiBootServicesData       0x000000007E7A3000-0x000000007E7A7FFF 0xF
EfiBootServicesCode       0x000000007E7A8000-0x000000007E7BCFFF 0xF
EfiBootServicesData       0x000000007E7BD000-0x000000007E7BEFFF 0xF
EfiBootServicesCode       0x000000007E7BF000-0x000000007E7CBFFF 0xF
EfiBootServicesData       0x000000007E7CC000-0x000000007E7CEFFF 0xF
EfiBootServicesCode       0x000000007E7CF000-0x000000007E7D0FFF 0xF
EfiBootServicesData       0x000000007E7D1000-0x000000007E7D3FFF 0xF
EfiBootServicesCode       0x000000007E7D4000-0x000000007E7E7FFF 0xF
EfiBootServicesData       0x000000007E7E8000-0x000000007E7ECFFF 0xF
EfiBootServicesCode       0x000000007E7ED000-0x000000007E7FFFFF 0xF
EfiBootServicesData       0x000000007E800000-0x000000007E9FFFFF 0xF
EfiBootServicesCode       0x000000007EA00000-0x000000007EA11FFF 0xF
EfiBootServicesData       0x000000007EA12000-0x000000007EA16FFF 0xF
EfiBootServicesCode       0x000000007EA17000-0x000000007EA17FFF 0xF
EfiBootServicesData       0x000000007EA18000-0x000000007EA19FFF 0xF
EfiBootServicesCode       0x000000007EA1A000-0x000000007EA2CFFF 0xF
EfiBootServicesData       0x000000007EA2D000-0x000000007EA2FFFF 0xF
EfiBootServicesCode       0x000000007EA30000-0x000000007EA30FFF 0xF
EfiBootServicesData       0x000000007EA31000-0x000000007EA31FFF 0xF
EfiBootServicesCode       0x000000007EA32000-0x000000007EA38FFF 0xF
EfiBootServicesData       0x000000007EA39000-0x000000007EA3FFFF 0xF
EfiBootServicesCode       0x000000007EA40000-0x000000007EA43FFF 0xF
EfiBootServicesData       0x000000007EA44000-0x000000007EA4BFFF 0xF
EfiBootServicesCode       0x000000007EA4C000-0x000000007EA59FFF 0xF
EfiBootServicesData       0x000000007EA5A000-0x000000007EA5BFFF 0xF
EfiBootServicesCode       0x000000007EA5C000-0x000000007EA6EFFF 0xF
EfiBootServicesData       0x000000007EA6F000-0x000000007EA70FFF 0xF
EfiBootServicesCode       0x000000007EA71000-0x000000007EA8EFFF 0xF
EfiBootServicesData       0x000000007EA8F000-0x000000007EA96FFF 0xF
EfiBootServicesCode       0x000000007EA97000-0x000000007EA99FFF 0xF
EfiBootServicesData       0x000000007EA9A000-0x000000007EA9CFFF 0xF
EfiBootServicesCode       0x000000007EA9D000-0x000000007EA9FFFF 0xF
EfiRuntimeServicesData    0x000000007EAA0000-0x000000007EBA1FFF 0x800000000000000F
EfiBootServicesData       0x000000007EBA2000-0x000000007EFA1FFF 0xF
EfiBootServicesCode       0x000000007EFA2000-0x000000007F010FFF 0xF
EfiBootServicesData       0x000000007F011000-0x000000007F012FFF 0xF
EfiBootServicesCode       0x000000007F013000-0x000000007F02DFFF 0xF
EfiBootServicesData       0x000000007F02E000-0x000000007F032FFF 0xF
EfiBootServicesCode       0x000000007F033000-0x000000007F033FFF 0xF
EfiBootServicesData       0x000000007F034000-0x000000007F034FFF 0xF
EfiBootServicesCode       0x000000007F035000-0x000000007F036FFF 0xF
EfiBootServicesData       0x000000007F037000-0x000000007F038FFF 0xF
EfiBootServicesCode       0x000000007F039000-0x000000007F03EFFF 0xF
EfiBootServicesData       0x000000007F03F000-0x000000007F050FFF 0xF
EfiBootServicesCode       0x000000007F051000-0x000000007F066FFF 0xF
EfiBootServicesData       0x000000007F067000-0x000000007F068FFF 0xF
EfiBootServicesCode       0x000000007F069000-0x000000007F069FFF 0xF
EfiBootServicesData       0x000000007F06A000-0x000000007F06AFFF 0xF
EfiBootServicesCode       0x000000007F06B000-0x000000007F06BFFF 0xF
EfiBootServicesData       0x000000007F06C000-0x000000007F06CFFF 0xF
EfiBootServicesCode       0x000000007F06D000-0x000000007F06DFFF 0xF
EfiBootServicesData       0x000000007F06E000-0x000000007F06EFFF 0xF
EfiBootServicesCode       0x000000007F06F000-0x000000007F070FFF 0xF
EfiBootServicesData       0x000000007F071000-0x000000007F072FFF 0xF
EfiBootServicesCode       0x000000007F073000-0x000000007F074FFF 0xF
EfiBootServicesData       0x000000007F075000-0x000000007F076FFF 0xF
EfiBootServicesCode       0x000000007F077000-0x000000007F07AFFF 0xF
EfiBootServicesData       0x000000007F07B000-0x000000007F07CFFF 0xF
EfiBootServicesCode       0x000000007F07D000-0x000000007F07DFFF 0xF
EfiBootServicesData       0x000000007F07E000-0x000000007F07FFFF 0xF
EfiBootServicesCode       0x000000007F080000-0x000000007F088FFF 0xF
EfiBootServicesData       0x000000007F089000-0x000000007F08BFFF 0xF
EfiBootServicesCode       0x000000007F08C000-0x000000007F08EFFF 0xF
EfiBootServicesData       0x000000007F08F000-0x000000007F4EBFFF 0xF
EfiConventionalMemory     0x000000007F4EC000-0x000000007F51BFFF 0xF
EfiRuntimeServicesData    0x000000007F51C000-0x000000007F5EBFFF 0x800000000000000F
EfiConventionalMemory     0x000000007F5EC000-0x000000007F657FFF 0xF
EfiRuntimeServicesCode    0x000000007F658000-0x000000007F6EBFFF 0x800000000000000F
EfiConventionalMemory     0x000000007F6EC000-0x000000007F73CFFF 0xF
EfiReservedMemoryType     0x000000007F73D000-0x000000007F76BFFF 0xF
EfiConventionalMemory     0x000000007F76C000-0x000000007F772FFF 0xF
EfiACPIReclaimMemory      0x000000007F773000-0x000000007F77DFFF 0xF
EfiConventionalMemory     0x000000007F77E000-0x000000007F7DBFFF 0xF
EfiACPIMemoryNVS          0x000000007F7DC000-0x000000007F7DCFFF 0xF
EfiConventionalMemory     0x000000007F7DD000-0x000000007F7E9FFF 0xF
EfiACPIMemoryNVS          0x000000007F7EA000-0x000000007F7FDFFF 0xF
EfiBootServicesData       0x000000007F7FE000-0x000000007FDFFFFF 0xF
EfiConventionalMemory     0x000000007FE00000-0x000000007FE80FFF 0xF
EfiBootServicesData       0x000000007FE81000-0x000000007FEA0FFF 0xF
EfiBootServicesCode       0x000000007FEA1000-0x000000007FECEFFF 0xF
EfiBootServicesData       0x000000007FECF000-0x000000007FEDFFFF 0xF
EfiBootServicesCode       0x000000007FEE0000-0x000000007FEF3FFF 0xF
EfiRuntimeServicesData    0x000000007FEF4000-0x000000007FF77FFF 0x800000000000000F
EfiACPIMemoryNVS          0x000000007FF78000-0x000000007FFFFFFF 0xF
EfiReservedMemoryType     0x00000000B0000000-0x00000000BFFFFFFF 0x1
EfiMemoryMappedIO         0x00000000FFC00000-0x00000000FFFFFFFF 0x8000000000000001
