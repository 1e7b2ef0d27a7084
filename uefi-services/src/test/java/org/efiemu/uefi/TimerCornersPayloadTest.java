package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceTrace;
import org.junit.jupiter.api.Test;

/**
 * Timer corner cases as EDK2's DxeCore and OVMF 2022.11 behave (the lines QEMU + OVMF printed for the same payload,
 * TimerCornersOvmfLiveTest; docs/performance.md "Timer corners as OVMF"), on efiemu alone: RaiseTPL(TPL_HIGH_LEVEL)
 * clears RFLAGS.IF and RestoreTPL below it sets IF (EDK2 CoreRaiseTpl/CoreRestoreTpl); a relative timer counts from
 * the last tick ({@code mEfiSystemTime}); a tick masked at TPL_HIGH_LEVEL stays pending and is taken at RestoreTPL;
 * notifications nest by TPL inside a tick's notification; no tick interrupts a tick's notification.
 */
class TimerCornersPayloadTest {

    private static BootResult run(String c, InstructionCounting counting) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                .loadOptions(c).instructionCounting(counting).instructionBudget(2_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(2)).build()) {
            return m.run();
        }
    }

    private static List<String> lines(BootResult r) {
        return TimerCornersOvmfLiveTest.comparable(r.console().text(ConsoleListener.Source.CON_OUT));
    }

    @Test
    void raiseTplToHighLevelClearsTheInterruptFlagAndRestoreTplBelowItSetsItAgainEvenAfterTheCallersCli() {
        BootResult r = run("if-tpl", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsExactly("if entry 1 high 0 restored 1 notify 1 cli-notify 0 cli-restored 1");
    }

    @Test
    void aRelativeTimerCountsFromTheLastTickAsEdk2sSystemTime() {
        BootResult r = run("phase", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        // set half a tick after a tick: 100 ns and 10 ms fire at the next tick, 20 ms at the second, 25 ms at the third
        assertThat(lines(r)).containsExactly("phase delay 1 set EFI_SUCCESS ticks 1",
                "phase delay 100000 set EFI_SUCCESS ticks 1", "phase delay 200000 set EFI_SUCCESS ticks 2",
                "phase delay 250000 set EFI_SUCCESS ticks 3");
    }

    @Test
    void aTickMaskedAtTplHighLevelIsTakenAtRestoreTplAndTheOthersAreLost() {
        BootResult r = run("masked-high", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsExactly("masked-high during 0 after-restore 1");
        assertThat(r.trace().stream().filter(e -> e.service().equals("RestoreTPL"))
                .anyMatch(e -> e.summary().contains("pending timer tick taken"))).isTrue();
    }

    @Test
    void notificationsSignalledInsideATicksNotificationRunByTpl() {
        BootResult r = run("nested-signal", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsExactly("order OorHxHyL", "tpls O@8 o@8 r@16 H@16 x@8 H@16 y@8 L@8");
    }

    @Test
    void noTickInterruptsANotificationThatATickStarted() {
        BootResult r = run("nested-tick", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsExactly("order CcD", "tpls C@8 c@8 D@16");
    }

    @Test
    void servicesThatTakeALockReturnWithInterruptsEnabledAndTheOthersLeaveTheCallersCli() {
        BootResult r = run("if-services", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        // the lines QEMU + OVMF printed (TimerCornersOvmfLiveTest), a sample of each kind
        assertThat(lines(r)).hasSizeGreaterThan(50).contains(
                "ifsvc AllocatePool EFI_SUCCESS if 1", "ifsvc FreePool EFI_SUCCESS if 1",
                "ifsvc GetMemoryMap-too-small EFI_BUFFER_TOO_SMALL if 1",
                "ifsvc HandleProtocol EFI_SUCCESS if 1", "ifsvc LocateProtocol-not-found EFI_NOT_FOUND if 1",
                "ifsvc InstallProtocolInterface EFI_SUCCESS if 1", "ifsvc ConnectController EFI_NOT_FOUND if 1",
                "ifsvc SetWatchdogTimer EFI_SUCCESS if 1", "ifsvc GetNextMonotonicCount EFI_SUCCESS if 1",
                "ifsvc GetVariable-not-found EFI_NOT_FOUND if 1", "ifsvc GetTime EFI_SUCCESS if 1",
                "ifsvc ConOut.OutputString-empty EFI_SUCCESS if 1", "ifsvc ConIn.ReadKeyStroke EFI_NOT_READY if 1",
                // no lock
                "ifsvc CalculateCrc32 EFI_SUCCESS if 0", "ifsvc CopyMem EFI_SUCCESS if 0", "ifsvc SetMem EFI_SUCCESS if 0",
                "ifsvc Stall EFI_SUCCESS if 0", "ifsvc CheckEvent-plain-not-signalled EFI_NOT_READY if 0",
                // refused before the lock, or under it
                "ifsvc AllocatePool-null-buffer EFI_INVALID_PARAMETER if 0",
                "ifsvc HandleProtocol-null-protocol EFI_INVALID_PARAMETER if 0",
                "ifsvc HandleProtocol-null-handle EFI_INVALID_PARAMETER if 1",
                "ifsvc CheckEvent-notify-signal EFI_INVALID_PARAMETER if 0",
                "ifsvc CreateEvent-bad-tpl EFI_INVALID_PARAMETER if 0",
                "ifsvc InstallConfigurationTable-remove-missing EFI_NOT_FOUND if 0");
    }

    @Test
    void aTickPendingUnderTheCallersCliIsTakenOnReturnFromALockTakingServiceOnly() {
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run("if-tick", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(lines(r)).as(counting.toString()).containsExactly("if-tick during 0 crc32 0 if 0 pool 1 if 1");
            assertThat(r.trace().stream().filter(e -> e.service().equals("AllocatePool"))
                    .anyMatch(e -> e.summary().contains("interrupts enabled in the lock release: pending timer tick "
                            + "taken"))).isTrue();
        }
    }

    @Test
    void ticksInsideAStallAreTakenAtTheirOwnVirtualTimesNotAtItsEnd() {
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run("stall-ticks", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            // Stall(40 ms) from half a tick after a tick: notifications at 0.5, 1.5, 2.5, 3.5 periods into it
            assertThat(TimerCornersOvmfLiveTest.lines(r.console().text(ConsoleListener.Source.CON_OUT), "stall-ticks "))
                    .as(counting.toString()).containsExactly("stall-ticks in-4-periods 4 in-2-periods 2 after-return 0");
        }
    }

    @Test
    void theGuestsOwnStiTakesAPendingTickRightAfterItsOneInstructionShadowInEveryCountingMode() {
        // per instruction the IF watch stops before the instruction after the shadow; counting by block the block
        // hook sees IF at the shadow's block, which Unicorn (QEMU) makes one instruction long after STI
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run("sti-shadow", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(r.console().text(ConsoleListener.Source.CON_OUT)).as(counting.toString())
                    .contains("sti-shadow during 0 after-shadow 1 after-jump 1");
        }
    }

    @Test
    void perInstructionCountingGivesTheSameLinesAndEachModeTheSameTraceOnEveryRun() {
        for (String c : TimerCornersOvmfLiveTest.CASES) {
            BootResult a = run(c, InstructionCounting.PER_INSTRUCTION);
            BootResult b = run(c, InstructionCounting.PER_INSTRUCTION);
            assertThat(lines(a)).as(c).isEqualTo(lines(run(c, InstructionCounting.BLOCKS)));
            StringBuilder ta = new StringBuilder();
            StringBuilder tb = new StringBuilder();
            a.trace().forEach(e -> ta.append(ServiceTrace.toJson(e)).append('\n'));
            b.trace().forEach(e -> tb.append(ServiceTrace.toJson(e)).append('\n'));
            assertThat(tb.toString()).as(c).isEqualTo(ta.toString());
        }
    }
}
