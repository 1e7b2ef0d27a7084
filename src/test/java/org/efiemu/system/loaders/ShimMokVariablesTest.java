package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.variable.Variable;
import org.junit.jupiter.api.Test;

/**
 * shim ({@code shim-unsigned}'s shimx64.efi) alone, with no second stage beside it: before it looks for grubx64.efi it
 * mirrors its MOK state into volatile runtime variables (MokListRT, MokListXRT, SbatLevelRT, ...), sizing them by
 * what QueryVariableInfo says. With OVMF's variable limits (PcdMaxVariableSize 0x8400, PcdMaxVolatileVariableSize
 * 0x40000; the qvi: lines FirmwareProbeDifferentialTest compares with real OVMF) each one is a single variable, as on
 * OVMF, and not split into MokListRT1, MokListRT2, ... as with a store that answers an 8 KiB maximum.
 */
class ShimMokVariablesTest {
    private static final Guid SHIM_LOCK = Guid.parse("605DAB50-E046-4300-ABB6-3DD810DD8B23");

    private record Run(BootResult result, List<Variable> variables) {}

    private static Run shimAlone(org.efiemu.uefi.platform.PlatformDescription platform) {
        byte[] shim = DebianEfi.bytes(DebianEfi.file("shim-unsigned", "usr/lib/shim/shimx64.efi"));
        try (UefiMachine m = UefiMachine.builder(platform)
                .payload(shim, "shimx64.efi").filePath("\\EFI\\BOOT\\BOOTX64.EFI")
                .instructionCounting(InstructionCounting.BLOCKS).instructionBudget(20_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(10)).build()) {
            BootResult r = m.run();
            return new Run(r, m.variables().variables());
        }
    }

    @Test
    void withAnEightKibVariableLimitShimSplitsItsMokStateAsTheIssueSaw() {
        // OVMF's stores with the 8 KiB per-variable limit efiemu answered before (QueryVariableInfo then said 8160)
        Run run = shimAlone(ProfileRegistry.builtIn("ovmf-q35-2g").toBuilder()
                .variableStore(new org.efiemu.uefi.variable.VariableStoreConfig(0x3FFB8, 0x80000, 0x2000, 0x2000,
                        org.efiemu.uefi.variable.VariableStoreConfig.AUTHENTICATED_VARIABLE_HEADER_SIZE, true))
                .build().toDescription());
        assertThat(run.variables()).as("%s", run.result()).filteredOn(v -> v.vendor().equals(SHIM_LOCK))
                .extracting(Variable::name).anyMatch(n -> n.matches("Mok(List|ListX)RT\\d+"));
    }

    @Test
    void shimMirrorsItsMokStateIntoWholeRuntimeVariablesWithOvmfsVariableLimits() {
        Run run = shimAlone(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription());
        BootResult r = run.result();
        List<Variable> variables = run.variables();
        List<String> shimVariables = variables.stream().filter(v -> v.vendor().equals(SHIM_LOCK)).map(Variable::name)
                .toList();
        // shim asked for the volatile runtime limits and got OVMF's answer
        assertThat(r.trace()).as("%s", r).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("QueryVariableInfo");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
            assertThat(e.caller()).startsWith("shimx64.efi+0x");
        });
        assertThat(shimVariables).as("shim's variables: %s", r).contains("MokListRT", "MokListXRT", "SbatLevelRT")
                .noneMatch(n -> n.matches("Mok(List|ListX)RT\\d+"));
        Variable mokList = variables.stream().filter(v -> v.vendor().equals(SHIM_LOCK) && v.name().equals("MokListRT"))
                .findFirst().orElseThrow();
        assertThat(mokList.attributes()).as("BS|RT, volatile").isEqualTo(0x6);
        // shim then looks for its second stage beside it, which is not there
        assertThat(r.consoleText()).as("%s", r).contains("grubx64.efi");
        for (ServiceCallEvent e : r.trace()) {
            if (e.service().equals("SetVariable") && String.join(" ", e.arguments()).contains("MokListRT")) {
                assertThat(e.status()).as(e.toString()).isEqualTo("EFI_SUCCESS");
            }
        }
    }
}
