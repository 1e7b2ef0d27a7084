package org.efiemu.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.trace.ServiceTrace;

/**
 * The extension counts instructions by block and, when that cannot count a guest (code storing into the block it
 * runs), gives the test the result of the same guest counted per instruction: the result an explicit per-instruction
 * machine gives, trace for trace.
 */
class EfiemuCountingFallbackTest {

    private static String describe(BootResult r) {
        StringBuilder sb = new StringBuilder(r.outcome() + " " + r.statusName().orElse("-") + " "
                + r.stopReport().instructions() + " " + r.virtualNanos() + "\n" + r.consoleText());
        r.trace().forEach(e -> sb.append(ServiceTrace.toJson(e)).append('\n'));
        return sb.toString();
    }

    @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/smc-efi-pool.efi", sanitizer = EfiemuTest.Toggle.OFF)
    void aGuestBlockCountingCannotCountGivesThePerInstructionResult(BootResult boot) throws Exception {
        byte[] payload;
        try (var in = EfiemuCountingFallbackTest.class.getResourceAsStream("/payloads/smc-efi-pool.efi")) {
            payload = in.readAllBytes();
        }
        Function<InstructionCounting, UefiMachine> machine = c -> UefiMachine.builder(
                org.efiemu.earlyalloc.Platforms.describe(ProfileRegistry.builtIn("ovmf-q35-2g")).description()).payload(payload, "smc-efi-pool.efi")
                .instructionCounting(c).build();
        String perInstruction;
        try (UefiMachine m = machine.apply(InstructionCounting.PER_INSTRUCTION)) {
            perInstruction = describe(m.run());
        }
        assertThat(boot.outcome()).isNotEqualTo(BootOutcome.FAULT);
        assertThat(describe(boot)).isEqualTo(perInstruction);
        try (UefiMachine m = machine.apply(InstructionCounting.BLOCKS)) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(m::run))
                    .as("by block alone this guest cannot be counted")
                    .isInstanceOf(org.efiemu.core.clock.BlockCountingException.class);
        }
    }
}
