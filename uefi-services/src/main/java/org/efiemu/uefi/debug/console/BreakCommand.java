package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.Locations;
import org.efiemu.uefi.debug.ServiceBreakpoint;
import org.efiemu.uefi.debug.UefiDebugSession;

/**
 * {@code break SERVICE [if CONDITION]} stops before a service call (by spec name; the condition over its arguments,
 * see {@link org.efiemu.uefi.debug.ServiceCondition}); {@code break LOCATION} ({@code image.efi+0x1A2B} or an
 * address) or {@code break FUNCTION} / {@code break IMAGE:FUNCTION} (from the image's COFF symbol table) stops before
 * an instruction; {@code break FILE:LINE} (from the image's DWARF line table, {@code gcc -g}) stops before the line's
 * first instruction.
 */
final class BreakCommand implements Command {
    @Override
    public String usage() {
        return "break SERVICE [if CONDITION] | break FUNCTION | break IMAGE:FUNCTION | break FILE:LINE | break IMAGE+OFFSET"
                + " | break ADDRESS  -- e.g. break AllocatePages if Pages >= 16, break efi_main, break main.c:42";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String a = arguments.trim();
        if (a.isEmpty()) throw new IllegalArgumentException("break: expected a service name or a location; " + usage());
        if (Character.isDigit(a.charAt(0)) || a.contains("+") || a.contains(":")
                || Locations.isFunction(session.machine().images(), a)) {
            int id = session.breakAt(a);
            out.println(session.breakpoints().stream().filter(l -> l.startsWith("breakpoint " + id + " ")).findFirst()
                    .orElse("breakpoint " + id));
            return;
        }
        int ifAt = a.indexOf(" if ");
        String service = (ifAt < 0 ? a : a.substring(0, ifAt)).trim();
        if (service.contains(" ")) {
            throw new IllegalArgumentException("break '" + a + "': expected 'SERVICE if CONDITION' after the service name");
        }
        var services = session.machine().services().serviceNames();
        if (!services.contains(service)) {
            var names = new java.util.ArrayList<String>(services);
            session.machine().images().images().forEach(i -> names.addAll(i.pe().symbols().names()));
            throw new IllegalArgumentException("break '" + service + "': no service or function of that name"
                    + org.efiemu.core.util.NearestName.hint(service, names));
        }
        ServiceBreakpoint b = ifAt < 0 ? session.breakOnService(service)
                : session.breakOnService(service, a.substring(ifAt + 4).trim());
        out.println(b);
    }
}
