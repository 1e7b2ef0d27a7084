package org.efiemu.uefi.devicepath;

/**
 * The device path protocols' section of docs/services.md (appended by {@link org.efiemu.uefi.boot.ServicesDoc}).
 */
public final class DevicePathDoc {
    private DevicePathDoc() {}

    /** The Markdown section. */
    public static String render() {
        return "\n" + """
## Device path protocols (UEFI 2.10 §10.5-10.6)

On a profile with a captured handle database (the OVMF built-ins), DevicePathDxe's handle carries efiemu's
implementations (`org.efiemu.uefi.protocol.DevicePathProtocols`, ABI adapters over the pure
`org.efiemu.uefi.devicepath.Edk2DevicePathToText`, `Edk2DevicePathFromText`, `Edk2DevicePathUtilities`), made after
EDK2 edk2-stable202211's `MdePkg/Library/UefiDevicePathLib` as OVMF links it into DevicePathDxe, and compared line for
line with QEMU 7.2 + OVMF 2022.11 by the firmware-probe's `dpt:` lines (`DevicePathProtocolsDifferentialTest`, three
profiles: ~500 lines each).

| Protocol | Functions | Notes |
|---|---|---|
| EFI_DEVICE_PATH_TO_TEXT_PROTOCOL | `DevicePathToText.ConvertDeviceNodeToText/ConvertDevicePathToText` | EDK2's text forms: PrintLib's upper-case hex (`Pci(0x1F,0x2)`, `HD(1,MBR,0xBE1AFDFA,0x3F,0xFBFC1)`, GUIDs upper case), DisplayOnly short forms (`Ata(0x0)`, `CDROM(0x0)`, `BBS(HD,name)`), AllowShortcuts forms of messaging vendor nodes (`VenPcAnsi()`, `VenVt100()`, `VenVt100Plus()`, `VenUtf8()`, `UartFlowCtrl(..)`, `DebugPort()`), USB class names (`UsbHID(..)`), `,/` between instances (EDK2 tests the string's terminator, not its last character), the generic `HardwarePath(n,hex)`/`AcpiPath`/`Msg`/`MediaPath`/`BbsPath`/`Path(t,s,hex)` form. The string is EfiBootServicesData pool grown as `UefiDevicePathLibCatPrint` grows it (ReallocatePool to `(Count + (Need + 1) * 2) * 2` bytes) and each node is copied into a pool buffer while printed, so the pool's free lists end as OVMF's. A path efiemu cannot read whole (a node Length below 4, outside RAM; EDK2 would loop) gives NULL |
| EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL | `DevicePathFromText.ConvertTextToDeviceNode/ConvertTextToDevicePath` | EDK2's parser: nodes split at `/` and `,` outside parentheses after skipping leading `/ , ( )`, unbalanced parentheses end the path, an unknown name or a name without `(`...`)` is a file path node, missing parameters read as empty (`Sata(0,,0)` → multiplier 0xFFFF), numbers hex after `0x` else decimal, cut to the field, GUIDs that do not read stay zero; the pool steps of EDK2 (copies of the text, of each node text and its parameters, the node, AppendDevicePathNode's temporary node and new path) |
| EFI_DEVICE_PATH_UTILITIES_PROTOCOL | `DevicePathUtilities.GetDevicePathSize/DuplicateDevicePath/AppendDevicePath/AppendDeviceNode/AppendDevicePathInstance/GetNextDevicePathInstance/IsDevicePathMultiInstance/CreateDeviceNode` | IsDevicePathValid as EDK2 (node Length >= 4, file path nodes NUL-terminated, End node of 4 bytes; PcdMaximumDevicePathNodeCount 0): an invalid path has size 0, is not multi-instance and gives NULL; NULL arguments as EDK2 (AppendDevicePath(NULL, NULL) is an End node); new paths are EfiBootServicesData pool |

The functions take no `This` and return pointers, sizes or BOOLEANs; each call is traced with the text or bytes it
returned. Return with RFLAGS.IF set when they allocated (the pool lock), as EDK2's pool services (not measured for
these functions). Not modelled (a to-text call prints the generic `Path`/`Msg(..)` form and records the node as an
unimplemented call; a from-text call returns NULL and is recorded): to text, the nodes AcpiEx, 1394, InfiniBand, MAC,
IPv4, IPv6, UsbWwid, iSCSI, Vlan, FibreEx, SasEx, URI, UFS, SD, Bluetooth, Wi-Fi, eMMC, BluetoothLE, DNS, RAM disk and
the SAS vendor node; from text, AcpiEx, AcpiExp, FibreEx, I1394, Infiniband, SAS, SasEx, NVMe, UFS, SD, eMMC, MAC, IPv4,
IPv6, UsbWwid, iSCSI, Vlan, Dns, Uri, Bluetooth, Wi-Fi, BluetoothLE, RamDisk, VirtualDisk, VirtualCD,
PersistentVirtualDisk, PersistentVirtualCD and BBS. Profiles without a captured handle database (no DevicePathDxe
handle) have none of the three protocols.
""";
    }
}
