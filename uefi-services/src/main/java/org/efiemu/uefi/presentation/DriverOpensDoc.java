package org.efiemu.uefi.presentation;

/**
 * The section of docs/services.md on a captured firmware's open entries and driver Unload (appended by
 * {@link org.efiemu.uefi.boot.ServicesDoc}).
 */
public final class DriverOpensDoc {
    private DriverOpensDoc() {}

    /** The Markdown section. */
    public static String render() {
        return "\n" + """
## Driver opens and driver Unload of a captured firmware (UEFI 2.10 §7.3.9-7.3.11, §7.4.6)

On a profile with `handle-open` lines (the OVMF built-ins: 424 entries), the presented handle database holds OVMF's
open entries as OpenProtocolInformation gave them when BDS started the application: the drivers' BY_DRIVER and
BY_CHILD_CONTROLLER opens and the DXE core's BY_HANDLE_PROTOCOL opens with their counts (`CapturedHandles.presentOpens`;
entries naming the capture run's boot media are left out, efiemu's boot volume has none). With them, as EDK2's
CoreOpenProtocol:

| Call | Result |
|---|---|
| OpenProtocolInformation | OVMF's entries in OVMF's order (agent, controller, attributes, OpenCount), then the application's own |
| OpenProtocol BY_DRIVER of a protocol a driver holds BY_DRIVER | EFI_ACCESS_DENIED, Interface untouched |
| OpenProtocol by the holding driver's agent and controller with its attributes | EFI_ALREADY_STARTED and the interface |
| HandleProtocol | counted on the DXE core image's BY_HANDLE_PROTOCOL entry (EDK2 opens as `gDxeCoreImageHandle`) |
| OpenProtocol EXCLUSIVE (or BY_DRIVER\\|EXCLUSIVE) of a protocol a captured driver holds | EFI_ACCESS_DENIED: EDK2 would DisconnectController the driver (its Stop), whose code efiemu does not hold |
| UninstallProtocolInterface / ReinstallProtocolInterface of a protocol a captured driver holds BY_DRIVER | EFI_ACCESS_DENIED (EDK2 disconnects the driver first) |
| DisconnectController of a controller a captured driver manages | EFI_SUCCESS with nothing disconnected; the trace says the driver's Stop is not run |
| ConnectController | the captured drivers are not called (no code): only drivers that are guest code are (see "The driver model") |

The 30 driver images OVMF sets `LoadedImage.Unload` on present a non-NULL Unload (`CapturedDriverUnloads`, from the
profile's `image-unload` lines). UnloadImage of one gives the status OVMF's UnloadImage gave (EFI_SUCCESS for all 30),
removes the handles that were gone on OVMF afterwards (the image's handle, the driver's other handles and children),
closes every open entry the image was the agent of and removes its debug image table entry; the trace records that the
outcome is the captured one and the driver's code is not run. A direct call of the Unload function gives the same status
and removes the same handles but keeps the image's handle with its loaded image protocols (EDK2 frees the image only in
UnloadImage); called with a handle that is not its own driver image it returns EFI_INVALID_PARAMETER (efiemu's answer:
OVMF's drivers are only called with their own, what another handle does there is not captured). Compared with OVMF by the firmware-probe's `open:`, `open-check:`, `open-after:`, `unload:` and
`open-unloaded:` lines (`OpenProtocolInformationDifferentialTest`); not exact: the outcome is OVMF's for the drivers
unloaded one after another in handle order, the drivers' own HandleProtocol calls during Unload are not counted (17 of
them look up every driver binding), the image's pages and the drivers' pool are not returned to the memory map, and the
direct call's effect is not compared with OVMF.
""";
    }
}
