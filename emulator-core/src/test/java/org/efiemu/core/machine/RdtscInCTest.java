package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.clock.NativeClockPorts;
import org.junit.jupiter.api.Test;

/**
 * RDTSC sites answered in C ({@code NativeRdtsc}, {@code efiemu_gate.c}'s {@code ts_site_hook}) give the guest what
 * {@link org.efiemu.core.clock.VirtualClock#readTsc()} gives in Java at the same instruction (Intel SDM vol. 2B,
 * RDTSC): a loop reads the TSC at two places deep inside its blocks and the ACPI PM timer (answered in C too) between
 * them, and stores every value; the run with the sites in C, the run with every RDTSC answered in Java and a run
 * counting per instruction store the same bytes, count the same instructions and cycles, and tell a read listener the
 * same values in the same order.
 */
class RdtscInCTest {
  private static final int PORT = 0x608;
  private static final long HZ = 3_579_545;
  private static final long BUFFER = 0x300000;
  private static final int ROUNDS = 3_000;

  /**
   * mov rdi, BUFFER; mov r8d, ROUNDS; loop: nop; nop; rdtsc; mov [rdi], eax; mov [rdi+4], edx; mov dx, 0x608;
   * in eax, dx; mov [rdi+8], eax; nop; rdtsc; mov [rdi+12], eax; add rdi, 16; dec r8; jnz loop; hlt.
   */
  private static String code() {
    String body = "9090" + "0f31" + "8907" + "895704" + "66ba0806" + "ed" + "894708" + "90" + "0f31" + "89470c"
        + "4883c710" + "49ffc8";
    int rel = -(body.length() / 2 + 2);
    return "48c7c700003000" + String.format("41b8%08x", Integer.reverseBytes(ROUNDS)) + body
        + String.format("75%02x", rel & 0xFF) + "f4";
  }

  record Result(byte[] values, long instructions, long cycles, List<Long> reads, long[] inC) {}

  private static Result run(InstructionCounting counting, boolean sitesInC, boolean checksInC) {
    String old = System.getProperty("efiemu.rdtsc.nativeSites");
    String oldChecks = System.getProperty("efiemu.rdtsc.checkInC");
    System.setProperty("efiemu.rdtsc.nativeSites", Boolean.toString(sitesInC));
    System.setProperty("efiemu.rdtsc.checkInC", Boolean.toString(checksInC));
    Machine m;
    try {
      m = builder().instructionCounting(counting).build();
    } finally {
      if (old == null) System.clearProperty("efiemu.rdtsc.nativeSites");
      else System.setProperty("efiemu.rdtsc.nativeSites", old);
      if (oldChecks == null) System.clearProperty("efiemu.rdtsc.checkInC");
      else System.setProperty("efiemu.rdtsc.checkInC", oldChecks);
    }
    try (m) {
      m.attachIoPorts(PORT, 4, new IoPortDevice() {
        @Override
        public int in(int port, int size) {
          return NativeClockPorts.value(m.clock().nanos(), HZ, 24, PORT, port, size);
        }

        @Override
        public void out(int port, int size, int value) {}
      });
      m.serveCounterPorts(PORT, 4, 24, HZ);
      long entry = load(m, code());
      if (counting == InstructionCounting.PER_INSTRUCTION) m.declareCode(entry, code().length() / 2);
      List<Long> reads = new ArrayList<>();
      m.rdtscReadListener((tsc, aux) -> {
        reads.add(tsc);
        reads.add(aux);
      });
      StopReport r = m.run(entry, RunLimits.none());
      m.rdtscReadListener(null);
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(m.rdtscSiteAddresses()).as("the two RDTSC instructions, hooked once each")
          .containsExactly(entry + 7 + 6 + 2, entry + 7 + 6 + 18);
      return new Result(m.memory().read(BUFFER, 16 * ROUNDS), r.instructions(), m.clock().cycles(), reads,
          m.rdtscAnsweredInC());
    }
  }

  @Test
  void rdtscAnsweredInCReadsWhatJavaAndPerInstructionCountingReadAtTheSameInstruction() {
    Result inC = run(InstructionCounting.BLOCKS, true, true);
    Result checkedInJava = run(InstructionCounting.BLOCKS, true, false);
    Result inJava = run(InstructionCounting.BLOCKS, false, false);
    Result perInstruction = run(InstructionCounting.PER_INSTRUCTION, true, true);

    assertThat(inC.inC()[0]).as("reads answered in C").isGreaterThanOrEqualTo(2L * ROUNDS - 2);
    assertThat(inC.inC()[1]).as("reads handed to Java (the engine's first block, which discovery does not see)")
        .isLessThanOrEqualTo(2);
    assertThat(inC.inC()[3]).as("new blocks decoded and hooked by the edge hook in C").isGreaterThanOrEqualTo(2);
    assertThat(checkedInJava.inC()[0]).as("reads answered in C, sites found by Java").isGreaterThanOrEqualTo(2L * ROUNDS - 2);
    assertThat(checkedInJava.inC()[3]).as("blocks checked in C").isZero();
    assertThat(inJava.inC()).as("every read in Java").containsExactly(0, 0, 0, 0);
    assertThat(perInstruction.inC()).containsExactly(0, 0, 0, 0);
    assertThat(checkedInJava.reads()).containsExactlyElementsOf(inJava.reads());
    assertThat(checkedInJava.values()).isEqualTo(inJava.values());

    assertThat(inC.reads()).hasSize(4 * ROUNDS);
    assertThat(inC.reads()).containsExactlyElementsOf(inJava.reads());
    assertThat(inC.reads()).containsExactlyElementsOf(perInstruction.reads());
    assertThat(inC.values()).isEqualTo(inJava.values()).isEqualTo(perInstruction.values());
    assertThat(inC.instructions()).isEqualTo(inJava.instructions()).isEqualTo(perInstruction.instructions())
        .isEqualTo(3 + 14L * ROUNDS);
    assertThat(inC.cycles()).isEqualTo(inJava.cycles()).isEqualTo(perInstruction.cycles());
  }
}
