package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.StopReason;
import org.junit.jupiter.api.Test;

/**
 * The {@code cpu-faults} payload: faults Unicorn 2.0.1 leaves out (#GP for unimplemented MSRs, reserved EFER/CR4
 * bits, invalid CR0; #UD for SYSCALL without EFER.SCE) are raised as hardware raises them, through the firmware's IDT
 * (the run stops naming the fault and the image+offset) or the guest's own (its handler runs; a broken IDT ends in a
 * double or triple fault).
 */
class CpuFaultsPayloadTest {
    static BootResult run(String options) {
        return run(options, org.efiemu.core.clock.InstructionCounting.BLOCKS);
    }

    static BootResult run(String options, org.efiemu.core.clock.InstructionCounting counting) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("cpu-faults"))
                .loadOptions(options).instructionBudget(50_000_000).instructionCounting(counting).build()) {
            return m.run();
        }
    }

    /** Counting per instruction (no translation-time discovery) finds the instructions in the declared image code. */
    @Test
    void countingPerInstructionRaisesTheSameFaultsAtTheSameRip() {
        for (String c : new String[] {"wrmsr", "syscall", "guest-gp", "triple"}) {
            BootResult blocks = run(c);
            BootResult each = run(c, org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION);
            assertThat(each.outcome()).as(c).isEqualTo(blocks.outcome());
            assertThat(each.stopReport().reason()).as(c).isEqualTo(blocks.stopReport().reason());
            assertThat(each.stopReport().rip()).as(c).isEqualTo(blocks.stopReport().rip());
            assertThat(each.consoleText()).as(c).isEqualTo(blocks.consoleText());
        }
    }

    /** The run stopped at the faulting instruction, named as image+offset with the function it is in. */
    private static void assertFirmwareStop(BootResult r, StopReason reason, String fault, String function,
            String bytes) {
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.FAULT);
        assertThat(r.stopReport().reason()).isEqualTo(reason);
        assertThat(r.stopReport().detail()).startsWith(fault + " at RIP 0x" + Long.toHexString(r.stopReport().rip())
                .toUpperCase());
        assertThat(r.diagnosis().stopSite()).matches("cpu-faults\\.efi\\+0x[0-9A-F]+ <" + function + "(\\+0x[0-9A-F]+)?>");
        assertThat(r.diagnosis().stopSite()).startsWith(r.image().describe(r.stopReport().rip()));
        assertThat(HexFormat.of().withUpperCase().formatHex(r.stopReport().bytesAtRip())).startsWith(bytes);
        assertThat(r.toString()).contains(r.diagnosis().stopSite()).contains(fault);
    }

    @Test
    void rdmsrOfAnUnimplementedMsrRaisesGeneralProtectionAndStopsInTheFirmwareHandler() {
        BootResult r = run("rdmsr");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "read_msr", "0F32");
        assertThat(r.stopReport().detail()).contains("rdmsr of MSR 0x12345678, which the emulated CPU does not implement")
                .contains("CpuDeadLoop");
    }

    @Test
    void wrmsrOfAnUnimplementedMsrRaisesGeneralProtection() {
        BootResult r = run("wrmsr");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "write_msr", "0F30");
        assertThat(r.stopReport().detail()).contains("MSR 0xDEADBEEF");
    }

    @Test
    void wrmsrOfReservedEferBitsRaisesGeneralProtection() {
        BootResult r = run("efer");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "write_msr", "0F30");
        assertThat(r.stopReport().detail()).contains("wrmsr EFER").contains("sets reserved bits 0x2");
        assertThat(r.stopReport().registers().get("EFER") & 2).as("the wrmsr did not run").isZero();
    }

    @Test
    void movToCr4WithAReservedBitRaisesGeneralProtection() {
        BootResult r = run("cr4");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "write_cr4", "0F22");
        assertThat(r.stopReport().detail()).contains("sets reserved bits 0x8000");
        assertThat(r.stopReport().reg(X86Reg.CR4) & 0x8000).as("the mov did not run").isZero();
    }

    @Test
    void movToCr0WithPagingButNoProtectionRaisesGeneralProtection() {
        BootResult r = run("cr0pg");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "write_cr0", "0F22");
        assertThat(r.stopReport().detail()).contains("sets PG with PE clear");
    }

    @Test
    void movToCr0WithNotWriteThroughButCachingEnabledRaisesGeneralProtection() {
        BootResult r = run("cr0nw");
        assertFirmwareStop(r, StopReason.GENERAL_PROTECTION, "#GP(0)", "write_cr0", "0F22");
        assertThat(r.stopReport().detail()).contains("sets NW with CD clear");
    }

    @Test
    void syscallWithEferSceClearRaisesInvalidOpcode() {
        BootResult r = run("syscall");
        assertFirmwareStop(r, StopReason.INVALID_OPCODE, "#UD", "do_syscall", "0F05");
        assertThat(r.stopReport().detail()).contains("syscall with EFER.SCE = 0");
    }

    @Test
    void validOperandsDoNotFaultAndTheTimeStampCounterMsrReadsTheVirtualClock() {
        BootResult r = run("valid");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.consoleText()).containsPattern("valid: efer 0x[0-9a-f]+ apic 0x[0-9a-f]+ tsc advances 1");
    }

    /** The handler's line: how often it ran, the vector, the error code and the RIP its frame held. */
    private static long[] handlerSaw(BootResult r, String what) {
        Matcher m = Pattern.compile(what + ": handled (\\d+) vector (\\d+) error 0x([0-9a-f]+) rip 0x([0-9a-f]+)")
                .matcher(r.consoleText());
        assertThat(m.find()).as("%s", r.consoleText()).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseUnsignedLong(m.group(3), 16),
                Long.parseUnsignedLong(m.group(4), 16)};
    }

    private static long symbolAddress(BootResult r, String function) {
        Matcher m = Pattern.compile(function + " at 0x([0-9a-f]+)").matcher(r.consoleText());
        assertThat(m.find()).isTrue();
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    @Test
    void generalProtectionGoesToTheGuestsOwnIdtHandlerWithErrorCodeZeroAndTheFaultingRip() {
        BootResult r = run("guest-gp");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] saw = handlerSaw(r, "guest-gp");
        assertThat(saw[0]).isEqualTo(1);
        assertThat(saw[1]).isEqualTo(13);
        assertThat(saw[2]).isZero();
        assertThat(r.image().symbolAt(saw[3]).map(Object::toString)).hasValueSatisfying(s -> assertThat(s)
                .startsWith("write_msr+"));
        assertThat(saw[3]).isGreaterThan(symbolAddress(r, "write_msr"));
    }

    @Test
    void invalidOpcodeFromSyscallGoesToTheGuestsOwnIdtHandler() {
        BootResult r = run("guest-ud");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] saw = handlerSaw(r, "guest-ud");
        assertThat(saw[0]).isEqualTo(1);
        assertThat(saw[1]).isEqualTo(6);
        assertThat(r.image().symbolAt(saw[3]).map(Object::toString)).hasValueSatisfying(s -> assertThat(s)
                .startsWith("do_syscall"));
    }

    @Test
    void ud2WithTheFirmwareIdtStillStopsTheRunAtTheInstruction() {
        BootResult r = run("ud2");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.FAULT);
        assertThat(r.stopReport().reason()).isEqualTo(StopReason.INVALID_OPCODE);
        assertThat(r.diagnosis().stopSite()).contains("<do_ud2>");
        assertThat(r.consoleText()).doesNotContain("never printed");
    }

    @Test
    void ud2WithTheGuestsOwnIdtGoesToItsInvalidOpcodeHandlerAndResumes() {
        BootResult r = run("guest-ud2");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] saw = handlerSaw(r, "guest-ud2");
        assertThat(saw[0]).as("handled").isEqualTo(1);
        assertThat(saw[1]).as("vector").isEqualTo(6);
        assertThat(r.image().symbolAt(saw[3]).map(Object::toString)).as("the faulting RIP: ud2 itself")
                .hasValue("do_ud2");
    }

    @Test
    void divideByZeroWithTheGuestsOwnIdtGoesToItsDivideErrorHandlerAndResumes() {
        BootResult r = run("guest-de");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] saw = handlerSaw(r, "guest-de");
        assertThat(saw[0]).as("handled").isEqualTo(1);
        assertThat(saw[1]).as("vector").isEqualTo(0);
        assertThat(r.image().symbolAt(saw[3]).map(Object::toString)).as("the faulting RIP: the div")
                .hasValue("do_div0+0xA"); // push, xor, mov, xor: 1 + 2 + 5 + 2 bytes

    }

    @Test
    void int3AndIntNWithTheGuestsOwnIdtReachTheirHandlersWithTheRipAfterTheInstruction() {
        BootResult r = run("guest-int");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] bp = handlerSaw(r, "guest-int3");
        assertThat(bp[0]).isEqualTo(1);
        assertThat(bp[1]).isEqualTo(3);
        assertThat(r.image().symbolAt(bp[3]).map(Object::toString)).hasValue("do_int3+0x1");
        long[] n = handlerSaw(r, "guest-int30");
        assertThat(n[0]).isEqualTo(2);
        assertThat(n[1]).isEqualTo(0x30);
        assertThat(r.image().symbolAt(n[3]).map(Object::toString)).hasValue("do_int30+0x2");
    }

    @Test
    void ud2WithAnIdtThatCoversNoVectorIsATripleFaultThatResets() {
        BootResult r = run("ud2-triple");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RESET);
        assertThat(r.stopReport().reason()).isEqualTo(StopReason.TRIPLE_FAULT);
        assertThat(r.stopReport().detail()).startsWith("triple fault → reset: #UD: invalid opcode at RIP")
                .contains("delivering #UD raised #GP(0x32)").contains("-> #DF(0)")
                .contains("a fault while delivering #DF: triple fault");
        assertThat(r.reset()).hasValueSatisfying(x -> assertThat(x.resetType()).isEqualTo("triple fault"));
        assertThat(r.consoleText()).contains("ud2-triple").doesNotContain("never printed");
    }

    @Test
    void notPresentGateWhileDeliveringGeneralProtectionBecomesADoubleFault() {
        BootResult r = run("guest-df");
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        long[] saw = handlerSaw(r, "guest-df");
        assertThat(saw[0]).isEqualTo(1);
        assertThat(saw[1]).as("vector").isEqualTo(8);
        assertThat(saw[2]).as("#DF error code").isZero();
        assertThat(r.image().symbolAt(saw[3]).map(Object::toString)).hasValueSatisfying(s -> assertThat(s)
                .startsWith("write_msr+"));
    }

    @Test
    void faultWithAnIdtThatCoversNoVectorIsATripleFaultThatResets() {
        BootResult r = run("triple");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RESET);
        assertThat(r.stopReport().reason()).isEqualTo(StopReason.TRIPLE_FAULT);
        assertThat(r.stopReport().detail()).startsWith("triple fault → reset: #GP(0) at RIP")
                .contains("delivering #GP raised #GP(0x6A)").contains("-> #DF(0)")
                .contains("a fault while delivering #DF");
        assertThat(r.reset()).hasValueSatisfying(q -> assertThat(q.resetType()).isEqualTo("triple fault"));
        assertThat(r.diagnosis().stopSite()).matches("cpu-faults\\.efi\\+0x[0-9A-F]+ <write_msr\\+0x[0-9A-F]+>");
        assertThat(r.consoleText()).contains("triple").doesNotContain("never printed");
    }

    @Test
    void stiThenHltWithNothingToWakeTheCpuWaitsForeverAndIsNotReportedAsInterruptsOff() {
        BootResult r = run("sti-hlt");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.WAITS_FOREVER);
        assertThat(r.stopReport().detail()).contains("HLT with interrupts enabled").doesNotContain("interrupts off");
    }

    @Test
    void cliThenHltIsHaltedWithInterruptsOff() {
        BootResult r = run("cli-hlt");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.HALTED);
        assertThat(r.stopReport().reg(X86Reg.RFLAGS) & (1 << 9)).isZero();
    }
}
