package org.efiemu.uefi.variable;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

class VariableStorePropertiesTest {

    record Write(String name, boolean nv, int size) {
    }

    @Provide
    Arbitrary<List<Write>> writes() {
        return Combinators.combine(Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3),
                Arbitraries.of(true, false), Arbitraries.integers().between(0, 300)).as(Write::new)
                .list().ofMaxSize(40);
    }

    @Property
    void walkVisitsEveryVariableOnceAndQueryAccountsForTheirSizes(@ForAll("writes") List<Write> writes) {
        VariableStore store = new VariableStore(VariableStoreConfig.small());
        Guid vendor = Guid.EFI_GLOBAL_VARIABLE;
        for (Write w : writes) {
            int attrs = w.nv() ? VariableAttributes.NV_BS_RT : VariableAttributes.BS_RT;
            store.setVariable(w.name(), vendor, attrs, new byte[w.size()]);
        }
        List<String> walked = new ArrayList<>();
        String name = "";
        Guid guid = Guid.ZERO;
        for (NextVariableNameResult r = store.getNextVariableName(64, name, guid); r.status() == EfiStatus.SUCCESS;
                r = store.getNextVariableName(64, name, guid)) {
            walked.add(r.name());
            name = r.name();
            guid = r.vendor();
        }
        assertThat(walked).containsExactlyElementsOf(store.variables().stream().map(Variable::name).toList());
        assertThat(walked).doesNotHaveDuplicates();
        long nvUsed = store.variables().stream().filter(v -> (v.attributes() & VariableAttributes.NON_VOLATILE) != 0)
                .mapToLong(v -> v.storeSize(VariableStoreConfig.VARIABLE_HEADER_SIZE)).sum();
        VariableStorageInfo info = store.queryVariableInfo(VariableAttributes.NV_BS_RT);
        assertThat(info.remainingVariableStorageSize()).isEqualTo(info.maximumVariableStorageSize() - nvUsed);
    }
}
