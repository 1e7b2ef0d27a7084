package org.efiemu.uefi.handle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

class HandleDatabasePropertiesTest {

    static final List<Guid> PROTOCOLS = List.of(Guid.EFI_BLOCK_IO_PROTOCOL_GUID, Guid.EFI_DISK_IO_PROTOCOL_GUID,
            Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID);

    /** An operation: install (on a new handle when target is -1) or uninstall, on protocol index p. */
    record Op(boolean install, int target, int p) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return net.jqwik.api.Combinators.combine(Arbitraries.of(true, true, false), Arbitraries.integers().between(-1, 5),
                Arbitraries.integers().between(0, 2)).as(Op::new).list().ofMaxSize(60);
    }

    @Property
    void handlesExistExactlyWhileTheyCarryAProtocolAndLocateFollowsInstallOrder(@ForAll("ops") List<Op> ops) {
        long[] next = {0x100};
        HandleDatabase db = new HandleDatabase(() -> next[0] += 8, e -> { }, p -> null);
        Map<Long, Set<Guid>> model = new LinkedHashMap<>();
        Map<Guid, List<Long>> order = new LinkedHashMap<>();
        for (Op op : ops) {
            List<Long> handles = new ArrayList<>(model.keySet());
            long target = op.target() < 0 || handles.isEmpty() ? 0 : handles.get(op.target() % handles.size());
            Guid g = PROTOCOLS.get(op.p());
            if (op.install()) {
                HandleResult r = db.installProtocolInterface(target, g, 0x5000 + op.p());
                boolean dup = target != 0 && model.get(target).contains(g);
                assertThat(r.status()).isEqualTo(dup ? EfiStatus.INVALID_PARAMETER : EfiStatus.SUCCESS);
                if (!dup) {
                    model.computeIfAbsent(r.handle(), h -> new LinkedHashSet<>()).add(g);
                    order.computeIfAbsent(g, x -> new ArrayList<>()).add(r.handle());
                }
            } else if (target != 0) {
                EfiStatus s = db.uninstallProtocolInterface(target, g, 0x5000 + op.p());
                boolean had = model.get(target).remove(g);
                assertThat(s).isEqualTo(had ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND);
                if (had) {
                    order.get(g).remove(target);
                }
                if (model.get(target).isEmpty()) {
                    model.remove(target);
                }
            }
        }
        assertThat(db.handles()).containsExactlyElementsOf(model.keySet());
        for (Guid g : PROTOCOLS) {
            List<Long> expected = order.getOrDefault(g, List.of());
            LocateResult r = db.locateHandle(LocateSearchType.ByProtocol, g, 0, 8L * 100);
            if (expected.isEmpty()) {
                assertThat(r.status()).isEqualTo(EfiStatus.NOT_FOUND);
            } else {
                assertThat(r.handles()).containsExactlyElementsOf(expected);
            }
        }
    }
}
