package org.efiemu.uefi.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.efiemu.uefi.runtime.RuntimeService;

/**
 * Renders {@code docs/services.md} from the binding table ({@link ServiceBindings}): every slot of
 * {@code EFI_BOOT_SERVICES} and {@code EFI_RUNTIME_SERVICES} in spec order, whether it is implemented, whether it may run
 * guest code (notification functions, child images) and what it does where that is not the obvious. Command line:
 * {@code java ... org.efiemu.uefi.boot.ServicesDoc docs/services.md}; {@code ServicesDocTest} fails when the committed
 * file differs from {@link #render()}.
 */
public final class ServicesDoc {
    /** What a slot does beyond "as the spec and EDK2 say", keyed by spec name. */
    private static final Map<String, String> NOTES = Map.ofEntries(
            Map.entry("Reserved", "the spec's unused slot; no service"),
            Map.entry("RaiseTPL", "returns the old TPL; to TPL_HIGH_LEVEL clears RFLAGS.IF (EDK2); a lower or invalid TPL is "
                    + "refused (EDK2 ASSERTs)"),
            Map.entry("RestoreTPL", "runs the notifications above the TPL; below TPL_HIGH_LEVEL sets RFLAGS.IF first and "
                    + "takes a tick that came while IF was clear (EDK2)"),
            Map.entry("WaitForEvent", "virtual time jumps to the next timer; nothing that can fire: the run stops (WAITS_FOREVER)"),
            Map.entry("SetTimer", "TriggerTime from EDK2's mEfiSystemTime (the last 10 ms tick); timers fire at the first "
                    + "tick at or after it, asynchronously when IF=1 (`TimerInterrupt` in the trace), in every counting mode"),
            Map.entry("Stall", "advances virtual time; timers due inside it fire at their own ticks (interrupts as the caller "
                    + "left them)"),
            Map.entry("ConnectController", "guest drivers' Supported/Start in EDK2's order; none: EFI_NOT_FOUND (see \"The driver model\")"),
            Map.entry("DisconnectController", "guest drivers' Stop, children first; a captured driver's Stop is not run (see \"The driver model\")"),
            Map.entry("OpenProtocol", "EXCLUSIVE of an interface a guest driver holds BY_DRIVER: that driver's Stop first"),
            Map.entry("UninstallProtocolInterface", "of an interface a guest driver holds BY_DRIVER: that driver's Stop first (see \"The driver model\")"),
            Map.entry("ReinstallProtocolInterface", "of an interface a guest driver holds BY_DRIVER: Stop first, then ConnectController (see \"The driver model\")"),
            Map.entry("UnloadImage", "runs a started driver's Unload, frees its pages, closes its opens; a captured firmware driver: the captured outcome (see \"Driver opens and driver Unload\")"),
            Map.entry("OpenProtocolInformation", "a captured firmware's open entries first (see \"Driver opens and driver Unload\")"),
            Map.entry("LoadImage", "from a buffer, or from a device path on the ESP or a disk's FAT partition (SimpleFileSystem)"),
            Map.entry("StartImage", "runs the entry point in the guest; an application is unloaded afterwards, a driver stays resident (its new handles connected) unless it returned an error"),
            Map.entry("Exit", "from a child: unwinds to StartImage; from the booted image: ends the run"),
            Map.entry("ExitBootServices", "signals BEFORE_EXIT_BOOT_SERVICES, checks MapKey, then EXIT_BOOT_SERVICES"),
            Map.entry("GetTime", "start time from the run options plus virtual time"),
            Map.entry("GetWakeupTime", "EFI_UNSUPPORTED, as OVMF"),
            Map.entry("SetWakeupTime", "EFI_UNSUPPORTED, as OVMF"),
            Map.entry("SetVirtualAddressMap", "once, after ExitBootServices; the map is recorded, the CPU stays identity-mapped"),
            Map.entry("ResetSystem", "ends the run; BootResult.reset() holds type, status and data"),
            Map.entry("UpdateCapsule", "EFI_UNSUPPORTED (no capsule support, as OVMF)"),
            Map.entry("QueryCapsuleCapabilities", "EFI_UNSUPPORTED (no capsule support, as OVMF)"));

    private ServicesDoc() {}

    /** The Markdown text of docs/services.md. */
    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Boot and Runtime Services\n\n")
                .append("Generated from `org.efiemu.uefi.boot.ServiceBindings` by `org.efiemu.uefi.boot.ServicesDoc` ")
                .append("(run it with the output path; `ServicesDocTest` fails when this file is stale). Slots in the ")
                .append("order of UEFI 2.10 §4.4 and §4.5; \"guest code\" marks services that may call back into the ")
                .append("guest (notification functions, image entry points) and so run on the call gate's continuation ")
                .append("thread. An unimplemented slot would return EFI_UNSUPPORTED and be listed in ")
                .append("`BootResult.unimplementedCalls()`.\n\n")
                .append("Guest pointers: every adapter checks its pointer arguments through one helper ")
                .append("(`ServiceCall.isRam(name, pointer, length, Align)`, `requireAligned`, `char16At`, `guidAt`). ")
                .append("NULL and pointers that are not RAM get the status the service's spec text gives (usually ")
                .append("EFI_INVALID_PARAMETER; EDK2 would fault on the latter). A pointer that is not naturally aligned ")
                .append("for the type it designates (UEFI 2.10 §2.3.1 \"Unless otherwise specified, all data types are ")
                .append("naturally aligned\") is EFI_INVALID_PARAMETER too, nothing is written through it, and the trace ")
                .append("records why (`Memory=0x1001 misaligned (UEFI 2.10 §2.3.1)`): 8 bytes for UINTN, UINT64, ")
                .append("EFI_PHYSICAL_ADDRESS, EFI_HANDLE/EFI_EVENT and other pointers, and structures with 8-byte ")
                .append("members; 4 for UINT32, EFI_TIME and EFI_GUID (its widest member is a UINT32; compilers align ")
                .append("it so, although Table 2-3 asks for 8); 2 for CHAR16 strings and EFI_INPUT_KEY; none for VOID* ")
                .append("buffers and UINT8 data. EDK2 itself does not check alignment (x86 tolerates unaligned ")
                .append("accesses), so a guest that passes such a pointer works on OVMF but breaks the spec's contract; ")
                .append("efiemu reports it instead of hiding it.\n\n")
                .append("| Table | Service | Offset | Status | Guest code | Notes |\n|---|---|---|---|---|---|\n");
        for (ServiceBindings.SlotStatus s : ServiceBindings.serviceStatus()) {
            boolean boot = s.table().equals("EFI_BOOT_SERVICES");
            boolean guest = boot ? ServiceBindings.callsGuest(BootService.bySpecName(s.service()))
                    : ServiceBindings.callsGuest(RuntimeService.bySpecName(s.service()));
            sb.append(String.format("| %s | %s | 0x%X | %s | %s | %s |%n", boot ? "Boot" : "Runtime", s.service(),
                    s.offset(), s.implemented() ? "implemented" : "not bound", guest ? "yes" : "",
                    NOTES.getOrDefault(s.service(), "")));
        }
        sb.append("\n").append(TimerTickDoc.render());
        sb.append(org.efiemu.uefi.shell.ShellParametersDoc.render());
        sb.append(org.efiemu.uefi.storage.StorageDoc.render());
        sb.append(org.efiemu.uefi.tables.PresentationDoc.render());
        sb.append(org.efiemu.uefi.devicepath.DevicePathDoc.render());
        sb.append(org.efiemu.uefi.presentation.DriverOpensDoc.render());
        sb.append(DriverModelDoc.render());
        return sb.toString().replace("\r\n", "\n");
    }

    /** Writes {@link #render()} to the path given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ServicesDoc <output.md>");
            System.exit(2);
        }
        Files.writeString(Path.of(args[0]), render(), StandardCharsets.UTF_8);
    }
}
