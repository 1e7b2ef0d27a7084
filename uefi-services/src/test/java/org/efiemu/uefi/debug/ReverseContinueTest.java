package org.efiemu.uefi.debug;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.engine.X86Reg;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.console.SourceLinesTest;
import org.junit.jupiter.api.Test;

/**
 * Reverse-continue goes back to the previous breakpoint hit by instruction, not only to the previous service call
 * (dbg-wait: a loop of eight iterations on one source line, after two AllocatePages).
 */
class ReverseContinueTest {
    @Test
    void reverseContinueReturnsToThePreviousBreakpointHitThenToTheServiceCallBeforeTheFirst() throws Exception {
        int loop = SourceLinesTest.line("loop");
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .payload(DebugTestPlatforms.payload("dbg-wait")))) {
            s.breakAt("dbg_wait.c:" + loop);
            DebugStop first = s.cont();
            DebugStop second = s.cont();
            DebugStop third = s.cont();
            assertThat(first.kind()).isEqualTo(DebugStop.Kind.BREAKPOINT);
            assertThat(third.instructions()).isGreaterThan(second.instructions());
            assertThat(second.instructions()).isGreaterThan(first.instructions());

            DebugStop back = s.reverseContinue();
            assertThat(back.kind()).isEqualTo(DebugStop.Kind.BACK);
            assertThat(back.instructions()).isEqualTo(second.instructions());
            assertThat(s.debugger().reg(X86Reg.RIP)).isEqualTo(second.rip());
            assertThat(back.where()).endsWith("(dbg_wait.c:" + loop + ")>");
            assertThat(back.description()).startsWith("breakpoint 1 at dbg_wait.c:" + loop)
                    .endsWith("(instruction " + second.instructions() + ")");

            assertThat(s.reverseContinue().instructions()).isEqualTo(first.instructions());
            DebugStop beforeCall = s.reverseContinue();
            assertThat(beforeCall.description()).startsWith("before ");
            assertThat(beforeCall.instructions()).isLessThan(first.instructions());
            assertThat(beforeCall.where()).endsWith(" stub");

            // forward again: the same hits at the same instructions
            assertThat(s.cont().instructions()).isEqualTo(first.instructions());
            assertThat(s.cont().instructions()).isEqualTo(second.instructions());
        }
    }
}
