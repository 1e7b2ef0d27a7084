name: ovmf-q35-2g
description: QEMU q35 (TCG, 1 vCPU, stdvga) with 2G RAM, Debian OVMF 2022.11; map at BDS start of BOOTX64.EFI
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
console: 100x31
display: framebuffer=0xC0000000 memory=0x1000000 mode=0 modes=1280x800,640x480,800x480,800x600,832x624,960x640,1024x600,1024x768,1152x864,1152x870,1280x720,1280x760,1280x768,1280x960,1280x1024,1360x768,1366x768,1400x1050,1440x900,1600x900,1600x1200,1680x1050,1920x1080,1920x1200,1920x1440,2000x2000,2048x1536,2048x2048,2560x1440,2560x1600
variable-store: nv-size=0x3FFB8 volatile-size=0x80000 max-nv-variable=0x8400 max-volatile-variable=0x40000 format=authenticated
variable: SetupMode 8BE4DF61-93CA-11D2-AA0D-00E098032B8C 0x6 hex:01
variable: SignatureSupport 8BE4DF61-93CA-11D2-AA0D-00E098032B8C 0x6 hex:12A56C8210CFC94AB187BE01496631BD2616C4C14C509240ACA941F936934328E866573C9C26344EAA14ED776E85B3B6A159C0A5E494A74A87B5AB155C2BF072
pool-free: EfiBootServicesData 0x7E52DE80 384
pool-free: EfiRuntimeServicesData 0x7F51CE00 128
memory-map:
EfiBootServicesCode       0x0000000000000000-0x0000000000000FFF 0xF
EfiConventionalMemory     0x0000000000001000-0x000000000009FFFF 0xF
EfiConventionalMemory     0x0000000000100000-0x0000000000805FFF 0xF
EfiACPIMemoryNVS          0x0000000000806000-0x0000000000807FFF 0xF
EfiConventionalMemory     0x0000000000808000-0x000000000080FFFF 0xF
EfiACPIMemoryNVS          0x0000000000810000-0x00000000008FFFFF 0xF
EfiBootServicesData       0x0000000000900000-0x00000000014FFFFF 0xF
