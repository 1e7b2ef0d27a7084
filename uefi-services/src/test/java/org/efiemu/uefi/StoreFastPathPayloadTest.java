package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.StoreFastPath;
import org.junit.jupiter.api.Test;

/**
 * The {@code smc-rewrite} payload: code written, run, overwritten and run again, and code sharing its page with data
 * stores, gives the new code's result with efiemu's store fast path ({@link StoreFastPath}) on and off, with the
 * same console text, trace and instruction count. The fast path must be active here (the project's Unicorn is
 * Debian's libunicorn2 2.0.1.post1-1+b1, which scripts/provision.sh installs); the test says why when it is not.
 */
class StoreFastPathPayloadTest {
    record Run(BootResult result, String traceJson, long instructions, StoreFastPath.Stats stats) {}

    static Run run(boolean fastPath, InstructionCounting counting) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("smc-rewrite"))
                .instructionBudget(50_000_000).instructionCounting(counting).storeFastPath(fastPath).build()) {
            BootResult r = m.run();
            return new Run(r, m.trace().toJsonLines(), r.stopReport().instructions(),
                    m.machine().engine().storeFastPathStats());
        }
    }

    private static void assertNewCodeResults(Run run) {
        BootResult r = run.result();
        assertThat(r.outcome()).as(r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.statusName()).contains("EFI_SUCCESS");
        String sum = Long.toString(200L * 1000 + 199L * 200 / 2);
        assertThat(r.consoleText().lines()).containsExactly("rewrite 1 2", "data-then-code 3 200/200 sum " + sum,
                "imm-byte 11223344 11223355", "shared-page 100 100 77", "two-pages 1020304 9020304");
    }

    @Test
    void rewrittenCodeRunsAsWrittenWithTheStoreFastPathOnAndOff() {
        assertThat(StoreFastPath.status().active()).as("%s", StoreFastPath.status()).isTrue();
        Run on = run(true, InstructionCounting.BLOCKS);
        Run off = run(false, InstructionCounting.BLOCKS);
        assertNewCodeResults(on);
        assertNewCodeResults(off);
        assertThat(on.result().consoleText()).isEqualTo(off.result().consoleText());
        assertThat(on.instructions()).isEqualTo(off.instructions());
        assertThat(on.traceJson()).isEqualTo(off.traceJson());
        // the fast path was really used, and the code pages were really taken off it
        assertThat(on.stats().enabled()).isTrue();
        assertThat(on.stats().fastFills()).isPositive();
        assertThat(on.stats().protects()).isPositive();
        assertThat(on.stats().unprotects()).as("pages whose code was overwritten").isPositive();
        assertThat(off.stats().enabled()).isFalse();
        assertThat(off.stats().fastFills()).isZero();
    }

    @Test
    void rewrittenCodeRunsAsWrittenWhenCountingPerInstruction() {
        Run on = run(true, InstructionCounting.PER_INSTRUCTION);
        Run off = run(false, InstructionCounting.PER_INSTRUCTION);
        assertNewCodeResults(on);
        assertNewCodeResults(off);
        assertThat(on.instructions()).isEqualTo(off.instructions());
        assertThat(on.traceJson()).isEqualTo(off.traceJson());
    }
}
