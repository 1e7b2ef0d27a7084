package org.efiemu.uefi.boot;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.runtime.RuntimeService;

/**
 * The sentence of docs/services.md that lists which services return with RFLAGS.IF set, rendered from the lock rules
 * of {@link ServiceBindings} ({@link LockRelease}), so that the document cannot drift from the table.
 */
final class ServiceLocksDoc {
    private ServiceLocksDoc() {
    }

    static String render() {
        List<String> always = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        List<String> other = new ArrayList<>();
        List<String> none = new ArrayList<>();
        List<String> adapter = new ArrayList<>();
        for (BootService s : BootService.values()) {
            sort(s.specName(), ServiceBindings.lockRelease(s), always, checked, other, none, adapter);
        }
        for (RuntimeService s : RuntimeService.values()) {
            sort(s.specName(), ServiceBindings.lockRelease(s), always, checked, other, none, adapter);
        }
        none.remove("Reserved");
        return "a lock on every path: " + String.join(", ", always) + "; after argument checks that return "
                + "EFI_INVALID_PARAMETER before it: " + String.join(", ", checked)
                + " (OpenProtocol, HandleProtocol and CloseProtocol validate handles under it); other: "
                + String.join(", ", other) + "; set by the adapter where EDK2 releases its lock: "
                + String.join(", ", adapter) + "; no lock (IF as the caller left it): " + String.join(", ", none) + ".";
    }

    private static void sort(String name, LockRelease r, List<String> always, List<String> checked, List<String> other,
            List<String> none, List<String> adapter) {
        if (r == LockRelease.NONE) {
            none.add(name);
        } else if (r == LockRelease.BY_ADAPTER) {
            adapter.add(name);
        } else if (r == LockRelease.ALWAYS) {
            always.add(name);
        } else if (r == LockRelease.AFTER_ARGUMENT_CHECKS) {
            checked.add(name);
        } else {
            other.add(name + " (" + r + ")");
        }
    }

}
