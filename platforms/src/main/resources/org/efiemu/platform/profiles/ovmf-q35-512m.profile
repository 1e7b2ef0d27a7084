name: ovmf-q35-512m
description: QEMU q35 (TCG, 1 vCPU, stdvga) with 512M RAM, Debian OVMF 2022.11; map at BDS start of BOOTX64.EFI
source: capture org/efiemu/platform/captures/ovmf-q35-512m.log made by: platforms/capture/capture-ovmf.sh --mem 512M
source: QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3); firmware ovmf 2022.11-6+deb12u2 (/usr/share/OVMF/OVMF_CODE_4M.fd, fresh copy of /usr/share/OVMF/OVMF_VARS_4M.fd)
source: map = GetMemoryMap at the probe's entry (platforms/src/main/c/ovmf-probe); identity = the probe's CPUID, SMBIOS and ACPI reads
source: inferred: EfiLoaderCode 0x10000000-0x10027FFF returned to EfiConventionalMemory (the probe's own image, LoadedImage base 0x10000000 size 0x28000; efiemu loads the application itself)
source: inferred: EfiRuntimeServicesData bin 0x1F4EC000-0x1F5EBFFF: 0x30 free pages 0x1F4EC000-0x1F51BFFF (the probe's first 1-page AllocateAnyPages of this type returned 0x1F51B000; free space assumed contiguous from the bin base), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiRuntimeServicesCode bin 0x1F5EC000-0x1F6EBFFF: 0x6C free pages 0x1F5EC000-0x1F657FFF (the probe's first 1-page AllocateAnyPages of this type returned 0x1F657000; free space assumed contiguous from the bin base), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiReservedMemoryType bin 0x1F6EC000-0x1F76BFFF: 0x51 free pages 0x1F6EC000-0x1F73CFFF (the probe's first 1-page AllocateAnyPages of this type returned 0x1F73C000; free space assumed contiguous from the bin base), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiACPIReclaimMemory bin 0x1F76C000-0x1F77DFFF: 0x7 free pages 0x1F76C000-0x1F772FFF (the probe's first 1-page AllocateAnyPages of this type returned 0x1F772000; free space assumed contiguous from the bin base), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: EfiACPIMemoryNVS bin 0x1F77E000-0x1F7FDFFF: 0x6C free pages 0x1F77E000-0x1F7E9FFF (the probe's first 1-page AllocateAnyPages of this type returned 0x1F7E9000; free space assumed contiguous from the bin base), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type
source: inferred: placement bins = OVMF MemTypeInfo.c bins found in the map; default-max = lowest bin base - 1 (EDK2 mDefaultMaximumAddress)
source: SMBIOS type 1 serial number is empty on this machine; written as the format's default 0
placement: edk2-topdown bins=EfiRuntimeServicesData@0x1F4EC000+0x100,EfiRuntimeServicesCode@0x1F5EC000+0x100,EfiReservedMemoryType@0x1F6EC000+0x80,EfiACPIReclaimMemory@0x1F76C000+0x12,EfiACPIMemoryNVS@0x1F77E000+0x80 default-max=0x1F4EBFFF
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
EfiConventionalMemory     0x0000000001500000-0x000000001BB74FFF 0xF
EfiBootServicesData       0x000000001BB75000-0x000000001BB94FFF 0xF
EfiConventionalMemory     0x000000001BB95000-0x000000001DE8EFFF 0xF
EfiBootServicesData       0x000000001DE8F000-0x000000001E52DFFF 0xF
EfiConventionalMemory     0x000000001E52E000-0x000000001E530FFF 0xF
EfiBootServicesData       0x000000001E531000-0x000000001E543FFF 0xF
EfiBootServicesCode       0x000000001E544000-0x000000001E5E1FFF 0xF
EfiBootServicesData       0x000000001E5E2000-0x000000001E620FFF 0xF
EfiBootServicesCode       0x000000001E621000-0x000000001E625FFF 0xF
EfiBootServicesData       0x000000001E626000-0x000000001E626FFF 0xF
EfiBootServicesCode       0x000000001E627000-0x000000001E643FFF 0xF
EfiBootServicesData       0x000000001E644000-0x000000001E646FFF 0xF
EfiBootServicesCode       0x000000001E647000-0x000000001E650FFF 0xF
EfiBootServicesData       0x000000001E651000-0x000000001E652FFF 0xF
EfiBootServicesCode       0x000000001E653000-0x000000001E669FFF 0xF
EfiBootServicesData       0x000000001E66A000-0x000000001E66AFFF 0xF
EfiBootServicesCode       0x000000001E66B000-0x000000001E672FFF 0xF
EfiBootServicesData       0x000000001E673000-0x000000001E676FFF 0xF
EfiBootServicesCode       0x000000001E677000-0x000000001E68DFFF 0xF
EfiBootServicesData       0x000000001E68E000-0x000000001E68FFFF 0xF
EfiBootServicesCode       0x000000001E690000-0x000000001E6A6FFF 0xF
EfiBootServicesData       0x000000001E6A7000-0x000000001E6B1FFF 0xF
EfiBootServicesCode       0x000000001E6B2000-0x000000001E6C6FFF 0xF
EfiBootServicesData       0x000000001E6C7000-0x000000001E6CEFFF 0xF
EfiBootServicesCode       0x000000001E6CF000-0x000000001E6F1FFF 0xF
EfiBootServicesData       0x000000001E6F2000-0x000000001E6F3FFF 0xF
EfiBootServicesCode       0x000000001E6F4000-0x000000001E707FFF 0xF
EfiBootServicesData       0x000000001E708000-0x000000001E70EFFF 0xF
EfiBootServicesCode       0x000000001E70F000-0x000000001E727FFF 0xF
EfiBootServicesData       0x000000001E728000-0x000000001E72AFFF 0xF
EfiBootServicesCode       0x000000001E72B000-0x000000001E730FFF 0xF
EfiBootServicesData       0x000000001E731000-0x000000001E732FFF 0xF
EfiBootServicesCode       0x000000001E733000-0x000000001E73FFFF 0xF
EfiBootServicesData       0x000000001E740000-0x000000001E740FFF 0xF
EfiBootServicesCode       0x000000001E741000-0x000000001E7A2FFF 0xF
EfiBootServicesData       0x000000001E7A3000-0x000000001E7A7FFF 0xF
EfiBootServicesCode       0x000000001E7A8000-0x000000001E7BCFFF 0xF
EfiBootServicesData       0x000000001E7BD000-0x000000001E7BEFFF 0xF
EfiBootServicesCode       0x000000001E7BF000-0x000000001E7CBFFF 0xF
EfiBootServicesData       0x000000001E7CC000-0x000000001E7CEFFF 0xF
EfiBootServicesCode       0x000000001E7CF000-0x000000001E7D0FFF 0xF
EfiBootServicesData       0x000000001E7D1000-0x000000001E7D3FFF 0xF
EfiBootServicesCode       0x000000001E7D4000-0x000000001E7E7FFF 0xF
EfiBootServicesData       0x000000001E7E8000-0x000000001E7ECFFF 0xF
EfiBootServicesCode       0x000000001E7ED000-0x000000001E7FFFFF 0xF
EfiBootServicesData       0x000000001E800000-0x000000001E9FFFFF 0xF
EfiBootServicesCode       0x000000001EA00000-0x000000001EA11FFF 0xF
EfiBootServicesData       0x000000001EA12000-0x000000001EA16FFF 0xF
EfiBootServicesCode       0x000000001EA17000-0x000000001EA17FFF 0xF
EfiBootServicesData       0x000000001EA18000-0x000000001EA19FFF 0xF
EfiBootServicesCode       0x000000001EA1A000-0x000000001EA2CFFF 0xF
EfiBootServicesData       0x000000001EA2D000-0x000000001EA2FFFF 0xF
EfiBootServicesCode       0x000000001EA30000-0x000000001EA30FFF 0xF
EfiBootServicesData       0x000000001EA31000-0x000000001EA31FFF 0xF
EfiBootServicesCode       0x000000001EA32000-0x000000001EA38FFF 0xF
EfiBootServicesData       0x000000001EA39000-0x000000001EA3FFFF 0xF
EfiBootServicesCode       0x000000001EA40000-0x000000001EA43FFF 0xF
EfiBootServicesData       0x000000001EA44000-0x000000001EA4BFFF 0xF
EfiBootServicesCode       0x000000001EA4C000-0x000000001EA59FFF 0xF
EfiBootServicesData       0x000000001EA5A000-0x000000001EA5BFFF 0xF
EfiBootServicesCode       0x000000001EA5C000-0x000000001EA6EFFF 0xF
EfiBootServicesData       0x000000001EA6F000-0x000000001EA70FFF 0xF
EfiBootServicesCode       0x000000001EA71000-0x000000001EA8EFFF 0xF
EfiBootServicesData       0x000000001EA8F000-0x000000001EA96FFF 0xF
EfiBootServicesCode       0x000000001EA97000-0x000000001EA99FFF 0xF
EfiBootServicesData       0x000000001EA9A000-0x000000001EA9CFFF 0xF
EfiBootServicesCode       0x000000001EA9D000-0x000000001EA9FFFF 0xF
EfiRuntimeServicesData    0x000000001EAA0000-0x000000001EBA1FFF 0x800000000000000F
EfiBootServicesData       0x000000001EBA2000-0x000000001EFA1FFF 0xF
EfiBootServicesCode       0x000000001EFA2000-0x000000001F010FFF 0xF
EfiBootServicesData       0x000000001F011000-0x000000001F012FFF 0xF
EfiBootServicesCode       0x000000001F013000-0x000000001F02DFFF 0xF
EfiBootServicesData       0x000000001F02E000-0x000000001F032FFF 0xF
EfiBootServicesCode       0x000000001F033000-0x000000001F033FFF 0xF
EfiBootServicesData       0x000000001F034000-0x000000001F034FFF 0xF
EfiBootServicesCode       0x000000001F035000-0x000000001F036FFF 0xF
EfiBootServicesData       0x000000001F037000-0x000000001F038FFF 0xF
EfiBootServicesCode       0x000000001F039000-0x000000001F03EFFF 0xF
EfiBootServicesData       0x000000001F03F000-0x000000001F050FFF 0xF
EfiBootServicesCode       0x000000001F051000-0x000000001F066FFF 0xF
EfiBootServicesData       0x000000001F067000-0x000000001F068FFF 0xF
EfiBootServicesCode       0x000000001F069000-0x000000001F069FFF 0xF
EfiBootServicesData       0x000000001F06A000-0x000000001F06AFFF 0xF
EfiBootServicesCode       0x000000001F06B000-0x000000001F06BFFF 0xF
EfiBootServicesData       0x000000001F06C000-0x000000001F06CFFF 0xF
EfiBootServicesCode       0x000000001F06D000-0x000000001F06DFFF 0xF
EfiBootServicesData       0x000000001F06E000-0x000000001F06EFFF 0xF
EfiBootServicesCode       0x000000001F06F000-0x000000001F070FFF 0xF
EfiBootServicesData       0x000000001F071000-0x000000001F072FFF 0xF
EfiBootServicesCode       0x000000001F073000-0x000000001F074FFF 0xF
EfiBootServicesData       0x000000001F075000-0x000000001F076FFF 0xF
EfiBootServicesCode       0x000000001F077000-0x000000001F07AFFF 0xF
EfiBootServicesData       0x000000001F07B000-0x000000001F07CFFF 0xF
EfiBootServicesCode       0x000000001F07D000-0x000000001F07DFFF 0xF
EfiBootServicesData       0x000000001F07E000-0x000000001F07FFFF 0xF
EfiBootServicesCode       0x000000001F080000-0x000000001F088FFF 0xF
EfiBootServicesData       0x000000001F089000-0x000000001F08BFFF 0xF
EfiBootServicesCode       0x000000001F08C000-0x000000001F08EFFF 0xF
EfiBootServicesData       0x000000001F08F000-0x000000001F4EBFFF 0xF
EfiConventionalMemory     0x000000001F4EC000-0x000000001F51BFFF 0xF
EfiRuntimeServicesData    0x000000001F51C000-0x000000001F5EBFFF 0x800000000000000F
EfiConventionalMemory     0x000000001F5EC000-0x000000001F657FFF 0xF
EfiRuntimeServicesCode    0x000000001F658000-0x000000001F6EBFFF 0x800000000000000F
EfiConventionalMemory     0x000000001F6EC000-0x000000001F73CFFF 0xF
EfiReservedMemoryType     0x000000001F73D000-0x000000001F76BFFF 0xF
EfiConventionalMemory     0x000000001F76C000-0x000000001F772FFF 0xF
EfiACPIReclaimMemory      0x000000001F773000-0x000000001F77DFFF 0xF
EfiConventionalMemory     0x000000001F77E000-0x000000001F7E9FFF 0xF
EfiACPIMemoryNVS          0x000000001F7EA000-0x000000001F7FDFFF 0xF
EfiBootServicesData       0x000000001F7FE000-0x000000001FDFFFFF 0xF
EfiConventionalMemory     0x000000001FE00000-0x000000001FE80FFF 0xF
EfiBootServicesData       0x000000001FE81000-0x000000001FEA0FFF 0xF
EfiBootServicesCode       0x000000001FEA1000-0x000000001FECEFFF 0xF
EfiBootServicesData       0x000000001FECF000-0x000000001FEDFFFF 0xF
EfiBootServicesCode       0x000000001FEE0000-0x000000001FEF3FFF 0xF
EfiRuntimeServicesData    0x000000001FEF4000-0x000000001FF77FFF 0x800000000000000F
EfiACPIMemoryNVS          0x000000001FF78000-0x000000001FFFFFFF 0xF
EfiReservedMemoryType     0x00000000B0000000-0x00000000BFFFFFFF 0x1
EfiMemoryMappedIO         0x00000000FFC00000-0x00000000FFFFFFFF 0x8000000000000001
