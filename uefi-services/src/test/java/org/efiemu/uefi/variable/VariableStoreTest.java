package org.efiemu.uefi.variable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.variable.VariableAttributes.APPEND_WRITE;
import static org.efiemu.uefi.variable.VariableAttributes.BOOTSERVICE_ACCESS;
import static org.efiemu.uefi.variable.VariableAttributes.BS_RT;
import static org.efiemu.uefi.variable.VariableAttributes.NON_VOLATILE;
import static org.efiemu.uefi.variable.VariableAttributes.NV_BS_RT;
import static org.efiemu.uefi.variable.VariableAttributes.RUNTIME_ACCESS;
import static org.efiemu.uefi.variable.VariableAttributes.TIME_BASED_AUTHENTICATED_WRITE_ACCESS;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

class VariableStoreTest {

    static final Guid G = Guid.EFI_GLOBAL_VARIABLE;
    static final Guid VENDOR = Guid.parse("12345678-1234-1234-1234-123456789ABC");
    final VariableStore store = new VariableStore(VariableStoreConfig.small());

    @Test
    void getVariableReportsBufferTooSmallWithSizeAndAttributes() {
        store.setVariable("Timeout", G, NV_BS_RT, new byte[] {5, 0});
        GetVariableResult small = store.getVariable("Timeout", G, 1);
        assertThat(small.status()).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(small.dataSize()).isEqualTo(2);
        assertThat(small.attributes()).isEqualTo(NV_BS_RT);
        assertThat(store.getVariable("Timeout", G, 2).data()).containsExactly(5, 0);
    }

    @Test
    void unknownOrEmptyNamesAreNotFound() {
        assertThat(store.getVariable("Nope", G, 100).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(store.getVariable("", G, 100).status()).isEqualTo(EfiStatus.NOT_FOUND);
        store.setVariable("X", G, BOOTSERVICE_ACCESS, new byte[] {1});
        assertThat(store.getVariable("X", VENDOR, 100).status()).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void zeroSizeOrZeroAttributesDeletes() {
        store.setVariable("A", VENDOR, BS_RT, new byte[] {1});
        store.setVariable("B", VENDOR, BS_RT, new byte[] {2});
        assertThat(store.setVariable("A", VENDOR, BS_RT, new byte[0])).isEqualTo(EfiStatus.SUCCESS);
        assertThat(store.setVariable("B", VENDOR, 0, new byte[] {9})).isEqualTo(EfiStatus.SUCCESS);
        assertThat(store.variables()).isEmpty();
        assertThat(store.setVariable("A", VENDOR, BS_RT, new byte[0])).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void appendWriteConcatenatesAndDoesNotStoreTheAppendBit() {
        store.setVariable("db", VENDOR, NV_BS_RT, new byte[] {1, 2});
        assertThat(store.setVariable("db", VENDOR, NV_BS_RT | APPEND_WRITE, new byte[] {3})).isEqualTo(EfiStatus.SUCCESS);
        GetVariableResult r = store.getVariable("db", VENDOR, 64);
        assertThat(r.data()).containsExactly(1, 2, 3);
        assertThat(r.attributes()).isEqualTo(NV_BS_RT);
        assertThat(store.setVariable("db", VENDOR, NV_BS_RT | APPEND_WRITE, new byte[0])).isEqualTo(EfiStatus.SUCCESS);
        assertThat(store.getVariable("db", VENDOR, 64).dataSize()).isEqualTo(3);
    }

    @Test
    void rewritingWithDifferentAttributesIsInvalidParameter() {
        store.setVariable("A", VENDOR, NV_BS_RT, new byte[] {1});
        assertThat(store.setVariable("A", VENDOR, BS_RT, new byte[] {2})).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.getVariable("A", VENDOR, 8).data()).containsExactly(1);
    }

    @Test
    void attributeCombinationsAreCheckedAsEdk2WithoutAuthSupport() {
        byte[] d = {1};
        assertThat(store.setVariable("A", VENDOR, RUNTIME_ACCESS, d)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.setVariable("A", VENDOR, RUNTIME_ACCESS | 0x10, d)).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(store.setVariable("A", VENDOR, NON_VOLATILE, d)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.setVariable("A", VENDOR, NV_BS_RT | TIME_BASED_AUTHENTICATED_WRITE_ACCESS, d))
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.setVariable("A", VENDOR, NV_BS_RT | 0x100, d)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.setVariable("", VENDOR, NV_BS_RT, d)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void afterExitBootServicesOnlyRuntimeVariablesAreVisibleAndWritable() {
        store.setVariable("BsOnly", VENDOR, NON_VOLATILE | BOOTSERVICE_ACCESS, new byte[] {1});
        store.setVariable("Vol", VENDOR, BS_RT, new byte[] {2});
        store.setVariable("Nv", VENDOR, NV_BS_RT, new byte[] {3});
        store.exitBootServices();
        assertThat(store.getVariable("BsOnly", VENDOR, 8).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(store.setVariable("BsOnly", VENDOR, NON_VOLATILE | BOOTSERVICE_ACCESS, new byte[] {4}))
                .isEqualTo(EfiStatus.WRITE_PROTECTED);
        assertThat(store.setVariable("Vol", VENDOR, BS_RT, new byte[] {5})).isEqualTo(EfiStatus.WRITE_PROTECTED);
        assertThat(store.setVariable("New", VENDOR, BS_RT, new byte[] {6})).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.setVariable("Nv", VENDOR, NV_BS_RT, new byte[] {7})).isEqualTo(EfiStatus.SUCCESS);
        assertThat(store.variables()).extracting(Variable::name).containsExactly("Vol", "Nv");
    }

    @Test
    void getNextVariableNameWalksVolatileThenNvInWriteOrder() {
        store.setVariable("Nv1", VENDOR, NV_BS_RT, new byte[] {1});
        store.setVariable("Vol", VENDOR, BS_RT, new byte[] {1});
        store.setVariable("Nv2", VENDOR, NV_BS_RT, new byte[] {1});
        store.setVariable("Nv1", VENDOR, NV_BS_RT, new byte[] {2});
        List<String> names = new ArrayList<>();
        String name = "";
        Guid guid = Guid.ZERO;
        while (true) {
            NextVariableNameResult r = store.getNextVariableName(512, name, guid);
            if (r.status() != EfiStatus.SUCCESS) {
                assertThat(r.status()).isEqualTo(EfiStatus.NOT_FOUND);
                break;
            }
            names.add(r.name());
            name = r.name();
            guid = r.vendor();
        }
        assertThat(names).containsExactly("Vol", "Nv2", "Nv1");
    }

    @Test
    void getNextVariableNameErrors() {
        store.setVariable("LongVariableName", VENDOR, BS_RT, new byte[] {1});
        NextVariableNameResult small = store.getNextVariableName(4, "", Guid.ZERO);
        assertThat(small.status()).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(small.nameSize()).isEqualTo(34);
        assertThat(store.getNextVariableName(512, "Missing", VENDOR).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.getNextVariableName(0, "", Guid.ZERO).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.getNextVariableName(14, "Missing", VENDOR).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void queryVariableInfoAccountsForStoredVariables() {
        VariableStorageInfo empty = store.queryVariableInfo(NV_BS_RT);
        assertThat(empty.maximumVariableStorageSize()).isEqualTo(0x40000 - 28);
        assertThat(empty.remainingVariableStorageSize()).isEqualTo(0x40000 - 28);
        assertThat(empty.maximumVariableSize()).isEqualTo(0x2000 - 32);
        store.setVariable("Abc", VENDOR, NV_BS_RT, new byte[5]);
        assertThat(store.queryVariableInfo(NV_BS_RT).remainingVariableStorageSize())
                .isEqualTo(0x40000 - 28 - (32 + 8 + 8));
        assertThat(store.queryVariableInfo(0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.queryVariableInfo(RUNTIME_ACCESS).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(store.queryVariableInfo(NV_BS_RT | 0x20).status()).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void fullStoreReturnsOutOfResourcesAndOversizedVariableInvalidParameter() {
        VariableStore tiny = new VariableStore(new VariableStoreConfig(0x40000, 28 + 100, 0x2000, 0x2000));
        assertThat(tiny.setVariable("A", VENDOR, BS_RT, new byte[40])).isEqualTo(EfiStatus.SUCCESS);
        assertThat(tiny.setVariable("B", VENDOR, BS_RT, new byte[40])).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(store.setVariable("Big", VENDOR, NV_BS_RT, new byte[0x2000])).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void seedingRejectsVariablesWithoutBootServiceAccess() {
        store.seed(List.of(new Variable("BootOrder", G, NV_BS_RT, new byte[] {0, 0})));
        assertThat(store.getVariable("BootOrder", G, 2).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThatThrownBy(() -> store.seed(List.of(new Variable("X", G, NON_VOLATILE, new byte[1]))))
                .hasMessageContaining("X").hasMessageContaining("expected BS");
    }
}
