package org.efiemu.uefi.boot;

/**
 * The section of docs/services.md on the UEFI driver model for drivers that are guest code ({@link DriverAbi},
 * {@link org.efiemu.uefi.handle.DriverSupport}; appended by {@link ServicesDoc}).
 */
public final class DriverModelDoc {
    private DriverModelDoc() {}

    /** The Markdown section. */
    public static String render() {
        return "\n" + """
## The driver model (UEFI 2.10 §7.3.3, §7.3.4, §7.3.9, §7.3.12, §7.3.13, §7.4, §11.1)

Drivers that are guest code (an EFI_BOOT_SERVICE_DRIVER or EFI_RUNTIME_DRIVER image loaded with LoadImage, or any
image that installs an `EFI_DRIVER_BINDING_PROTOCOL` whose Supported, Start and Stop lie in an image efiemu loaded) are
connected and disconnected as EDK2 2022.11's `DriverSupport.c` does; their functions run in the guest, each call one
line of the calling service's trace entry (`DriverBinding.Start(This, Controller, RemainingDevicePath) of drv.efi:
EFI_SUCCESS`).

| Call | What runs |
|---|---|
| StartImage of a driver | the entry point; on success the image stays resident (pages EfiBootServicesCode/Data, EfiRuntimeServicesCode/Data for a runtime driver) and every handle created, or with a protocol uninstalled, since StartImage began is connected (ConnectController(Handle, NULL, NULL, TRUE), `CoreConnectHandlesByKey`); on an error it is unloaded |
| ConnectController | driver order: the DriverImageHandle list (driver binding handles), then EFI_PLATFORM_DRIVER_OVERRIDE_PROTOCOL.GetDriver, the EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL versions, the controller's EFI_BUS_SPECIFIC_DRIVER_OVERRIDE_PROTOCOL.GetDriver (each where the guest installed one), then the rest by Version, highest first; a driver binding installed while this order is made (by an override's GetDriver) makes it again; Supported then Start of the first that supports, again from the top until none does; Recursive connects the children opened BY_CHILD_CONTROLLER. EFI_SUCCESS when one started (or RemainingDevicePath is an End node), EFI_NOT_FOUND when none did or no driver binding efiemu can run exists, EFI_INVALID_PARAMETER for an invalid handle, a DriverImageHandle list or RemainingDevicePath that is not RAM |
| DisconnectController | for each driver with a BY_DRIVER open on the controller (or DriverImageHandle): Stop with its BY_CHILD_CONTROLLER children (or just ChildHandle), then Stop with none; EFI_SUCCESS when one stopped or nothing manages the controller, EFI_NOT_FOUND when the given driver does not manage it, EFI_INVALID_PARAMETER when DriverImageHandle has no driver binding |
| OpenProtocol EXCLUSIVE of an interface a driver holds BY_DRIVER | DisconnectController(Handle, Driver, NULL) of each holder, then the open; EFI_ACCESS_DENIED when a Stop fails or leaves its open in place |
| UninstallProtocolInterface, UninstallMultipleProtocolInterfaces, ReinstallProtocolInterface of an interface a driver holds BY_DRIVER | as EDK2's `CoreDisconnectControllersUsingProtocolInterface`: DisconnectController(Handle, Driver, NULL) of each holder first; when one refuses (or opens remain) the handle is connected again (Recursive) and the call is EFI_ACCESS_DENIED; Reinstall connects the handle again (Recursive) after the new interface is in place |
| UnloadImage of a started driver | its LoadedImage.Unload (which normally disconnects and uninstalls its bindings), then its pages are freed and every open entry it is the agent of is closed |

Compared line for line with QEMU + OVMF by `DriverBindingOvmfLiveTest` (the `drv-app` and `drv-binding` payloads: the
order of every Supported/Start/Stop and every status). A driver's Supported that faults or spins ends the run with a
stop report (FAULT, or the budget that ran out). Not as EDK2: the driver bindings are read with GET_PROTOCOL, so the DXE
core's BY_HANDLE_PROTOCOL open counts on them do not grow; no EFI_SECURITY2 file authentication. RemainingDevicePath
reaches the drivers as EDK2's aligned copy (DuplicateDevicePath: an EfiBootServicesData pool block freed when the
connect is done). Drivers of a captured
firmware (a profile's handles, no code) are never called (see the section above), with two exceptions on machines with
disks (`--disk`, `--esp`) whose profile holds the images of EDK2's PartitionDxe, DiskIoDxe and Fat (the OVMF profiles):
the partitions are BY_CHILD_CONTROLLER children of their disk (or extended partition), the disks' and partitions'
protocols carry the opens those three drivers hold when BDS starts an application, and the three drivers' Supported,
Start and Stop run in Java inside ConnectController and DisconnectController (`of PartitionDxe`, `of DiskIoDxe`,
`of Fat` in the trace; EDK2 2022.11's opens, installs, uninstalls and statuses), so ConnectController(disk, NULL, NULL,
TRUE) is EFI_SUCCESS on a disk with a partition table and reaches its partitions, and DisconnectController(disk, NULL,
NULL) destroys the partition handles (their file systems first) and takes the disk's Disk I/O, a later
ConnectController(disk, Recursive) making them again on new handles with the same device paths, as on OVMF
(`PartitionChildrenOvmfLiveTest`). A partition whose uninstall a driver refuses stays (PartitionDxe's Stop is
EFI_DEVICE_ERROR). DiskIoDxe starts only on efiemu's own disks and partitions (a Block I/O a guest driver installs gets
no Disk I/O).
""";
    }
}
