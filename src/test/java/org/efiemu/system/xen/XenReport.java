package org.efiemu.system.xen;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * The per-profile report of one Xen boot: where the configuration, kernel, ramdisk, trampoline and the final memory
 * map buffer landed, every memory service call with its call site ({@code xen.efi+0x62FF06}), and how the run ended.
 */
final class XenReport {
    private XenReport() {
    }

    /** What an allocation was for, from the trace around it (Xen's read_file: File.Open, AllocatePages, File.Read). */
    record Labelled(ServiceCallEvent event, String role) {
        @Override
        public String toString() {
            return String.format("#%-3d %-14s %s  %s", event.sequence(), event.caller(), event.summary(), role);
        }
    }

    /** Every AllocatePages/FreePages/AllocatePool/FreePool call, labelled with what Xen used it for. */
    static List<Labelled> memoryCalls(List<ServiceCallEvent> trace) {
        List<Labelled> out = new ArrayList<>();
        String openFile = null;
        for (ServiceCallEvent e : trace) {
            switch (e.service()) {
                case "File.Open" -> openFile = e.arguments().size() > 2 ? e.arguments().get(2) : null;
                case "File.Close" -> openFile = null;
                case "AllocatePages", "FreePages", "AllocatePool", "FreePool" -> out.add(new Labelled(e, role(e, openFile)));
                default -> { }
            }
        }
        return out;
    }

    private static String role(ServiceCallEvent e, String openFile) {
        List<String> a = e.arguments();
        if (e.service().equals("AllocatePages") && a.size() == 4 && a.get(0).equals("AllocateMaxAddress")
                && Long.decode(a.get(3)) == 0x100000L) {
            return "trampoline (efi_arch_memory_setup: AllocateMaxAddress below 1 MiB)";
        }
        if (e.service().equals("AllocatePages") && openFile != null) {
            return "contents of " + openFile + " (read_file)";
        }
        if (e.service().equals("AllocatePool") && openFile != null) {
            return "while reading " + openFile;
        }
        return "";
    }

    /** The GetMemoryMap call that produced the map ExitBootServices accepted (Xen's final map buffer). */
    static ServiceCallEvent finalMapCall(List<ServiceCallEvent> trace) {
        ServiceCallEvent last = null;
        for (ServiceCallEvent e : trace) {
            if (e.service().equals("GetMemoryMap") && e.status().equals("EFI_SUCCESS")) {
                last = e;
            }
            if (e.service().equals("ExitBootServices") && e.status().equals("EFI_SUCCESS")) {
                return last;
            }
        }
        return null;
    }

    static String text(XenBoot boot) {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append("# Xen 4.17 EFI loader on efiemu profile ").append(boot.profile()).append(nl);
        boot.adjustments().forEach(a -> sb.append("adjusted: ").append(a).append(nl));
        sb.append("image: ").append(boot.image()).append(String.format(" (%d pages allocated)", boot.image().pages())).append(nl);
        sb.append("result: ").append(boot.stopSummary()).append(nl);
        sb.append(String.format("instructions %d, virtual %d ns, host wall %.1f ms%n", boot.result().stopReport().instructions(),
                boot.result().virtualNanos(), boot.wallNanos() / 1e6));
        sb.append(nl).append("## placement lines").append(nl);
        boot.placements().forEach(p -> sb.append(p).append(nl));
        sb.append(nl).append("## memory services (call sites in xen.efi)").append(nl);
        memoryCalls(boot.result().trace()).forEach(l -> sb.append(l).append(nl));
        ServiceCallEvent fm = finalMapCall(boot.result().trace());
        if (fm != null) {
            long buffer = Long.decode(fm.arguments().get(1));
            sb.append(nl).append("final memory map buffer: ").append(fm.arguments().get(1))
                    .append(boot.image().contains(buffer) ? " = " + boot.image().describe(buffer) + " (inside Xen's image: ebmalloc)" : "")
                    .append(", from ").append(fm.caller()).append(": ").append(fm.summary()).append(nl);
        }
        boot.result().finalMap().ifPresent(m -> sb.append("final map: ").append(m.descriptors().size())
                .append(" descriptors, MapKey 0x").append(Long.toHexString(m.mapKey()).toUpperCase()).append(nl));
        sb.append("unimplemented calls: ").append(boot.result().unimplementedCalls()).append(nl);
        sb.append("violations: ").append(boot.result().violations()).append(nl);
        sb.append("graphics: ").append(boot.graphicsMode().map(m -> "GOP mode " + m + " set")
                .orElse("no display on this profile (LocateHandle(ByProtocol, EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID) finds none)"))
                .append(nl);
        sb.append(nl).append("## memory sanitizer (org.efiemu.uefi.sanitizer)").append(nl);
        sb.append(String.format("%d findings, %d protection faults, %d watched pages%n", boot.sanitizer().findings().size(),
                boot.sanitizer().protectionFaults(), boot.sanitizer().watchedPages()));
        boot.sanitizer().findings().forEach(f -> sb.append(f).append(boot.isHandOffStore(f)
                ? "  [hand-off: Xen's push onto its own stack at a virtual address after loading its CR3; Unicorn does"
                + " not translate guest page tables, so the store reaches no RAM. Not firmware memory.]" : "").append(nl));
        sb.append(boot.firmwareFindings().isEmpty() ? "no firmware memory written by Xen's EFI phase"
                : boot.firmwareFindings().size() + " writes to firmware memory").append(nl);
        sb.append(nl).append("## console").append(nl).append(boot.console()).append(nl);
        return sb.toString();
    }
}
