package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.machine.TestMachines.CODE;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.hex;
import static org.efiemu.core.machine.TestMachines.load;

import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.clock.NativeClockPorts;
import org.junit.jupiter.api.Test;

/**
 * Counter ports answered in C ({@link NativeClockPorts}, {@code clock_ports.c}) give the guest the value the Java
 * device gives at the same instruction: a loop reads a 24-bit counter at 3.579545 MHz of virtual time (the ACPI PM
 * timer's shape) with 4-, 2- and 1-byte {@code IN}s at different places in its block and stores every value; the run
 * with the C path and the run with every read in Java store the same bytes and count the same instructions. Rewritten
 * code that keeps the block's start, size and instruction count but moves the {@code IN}'s position in it is noticed
 * (the block's bytes are compared).
 */
class NativeClockPortsTest {
  private static final int PORT = 0x608;
  private static final long HZ = 3_579_545;
  private static final long BUFFER = 0x300000;
  private static final int ROUNDS = 20_000;
  private static final String NOPS = "90909090";
  private static final String LONG_NOP = "0f1f4000";

  /**
   * mov rdi, BUFFER; mov r8d, ROUNDS; loop: a; cpuid; mov dx, 0x608; in eax, dx; mov [rdi], eax; b; in ax, dx;
   * mov [rdi+4], ax; in al, dx; mov [rdi+6], al; add rdi, 8; dec r8; jnz loop; hlt. Unicorn 2.0.1 does not write RIP
   * back before IN (its gen_check_io returns at once) and a chained jump does not either, so RIP read in the IN hook is
   * the last address written back: CPUID's (it writes RIP back before its helper), inside the block, after {@code a}.
   */
  private static String loop(String a, String b) {
    String body = a + "0fa2" + "66ba0806" + "ed" + "8907" + b + "66ed" + "66894704" + "ec" + "884706" + "4883c708"
        + "49ffc8";
    int rel = -(body.length() / 2 + 2);
    return "48c7c700003000" + String.format("41b8%08x", Integer.reverseBytes(ROUNDS)) + body
        + String.format("75%02x", rel & 0xFF) + "f4";
  }

  private static Machine machine(boolean inC) {
    return withPmTimer(builder().instructionCounting(InstructionCounting.BLOCKS).nativeClockPorts(inC).build());
  }

  /** {@code m} with the PM timer's Java device and its counter ports served at {@link #PORT}. */
  private static Machine withPmTimer(Machine m) {
    m.attachIoPorts(PORT, 4, new IoPortDevice() {
      @Override
      public int in(int port, int size) {
        return NativeClockPorts.value(m.clock().nanos(), HZ, 24, PORT, port, size);
      }

      @Override
      public void out(int port, int size, int value) {}
    });
    m.serveCounterPorts(PORT, 4, 24, HZ);
    return m;
  }

  record Result(byte[] values, long instructions, long[] reads, boolean trustsTranslations) {}

  private static Result run(Machine m, String code) {
    StopReport r = m.run(load(m, code), RunLimits.none());
    assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
    return new Result(m.memory().read(BUFFER, 8 * ROUNDS), r.instructions(), m.counterPortReads(),
        m.counterPortsTrustTranslations());
  }

  /**
   * A read the C hook does not answer (another port) goes to Java through JNA's direct callback form (a JNI call with
   * the primitive arguments), not through {@code CallbackReference.DefaultCallbackProxy}'s boxing and reflection, and
   * the guest gets the Java device's value.
   */
  @Test
  void readsOfOtherPortsReachTheJavaDeviceThroughJnasDirectCallbackNotItsReflectiveProxy() {
    java.util.List<String> stacks = new java.util.ArrayList<>();
    try (Machine m = machine(true)) {
      assertThat(m.counterPortsInC()).isTrue();
      m.attachIoPorts(0x71, 1, new IoPortDevice() {
        @Override
        public int in(int port, int size) {
          StringBuilder frames = new StringBuilder();
          for (StackTraceElement e : new Throwable().getStackTrace()) frames.append(e.getClassName()).append('\n');
          stacks.add(frames.toString());
          return 0x5A;
        }

        @Override
        public void out(int port, int size, int value) {}
      });
      // mov rdi, BUFFER; mov dx, 0x71; in al, dx; mov [rdi], al; hlt
      StopReport r = m.run(load(m, "48c7c700003000" + "66ba7100" + "ec" + "8807" + "f4"), RunLimits.none());
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(m.memory().read(BUFFER, 1)).containsExactly(0x5A);
    }
    assertThat(stacks).hasSize(1);
    assertThat(stacks.get(0)).contains("org.efiemu.core.engine.HookCallbacks$In")
        .doesNotContain("CallbackReference$DefaultCallbackProxy");
  }

  @Test
  void readsAnsweredInCStoreTheSameValuesAtTheSameInstructionCountsAsTheJavaDevice() {
    Result c;
    Result j;
    try (Machine m = machine(true)) {
      assertThat(m.counterPortsInC()).isTrue();
      c = run(m, loop(NOPS, LONG_NOP));
    }
    try (Machine m = machine(false)) {
      assertThat(m.counterPortsInC()).isFalse();
      j = run(m, loop(NOPS, LONG_NOP));
    }
    assertThat(c.instructions()).isEqualTo(j.instructions());
    assertThat(c.values()).isEqualTo(j.values());
    assertThat(c.reads()[0]).as("reads answered in C").isGreaterThan(3L * ROUNDS - 100);
    assertThat(c.reads()[1]).as("reads handed to Java (positions learnt)").isPositive().isLessThan(20);
    assertThat(j.reads()).containsExactly(0, 0, 0, 0);
    // the values move: the loop spans many microseconds of virtual time
    assertThat(j.values()).isNotEqualTo(new byte[8 * ROUNDS]);
  }

  @Test
  void rewrittenCodeWithTheSameBlockShapeButTheReadElsewhereInItIsLearntAgain() {
    Result c1;
    Result c2;
    Result j2;
    long handedBefore;
    try (Machine m = machine(true)) {
      c1 = run(m, loop(NOPS, LONG_NOP));
      handedBefore = c1.reads()[1];
      // the same bytes count, block size and instruction count; the first IN is now 3 instructions earlier in its block
      String swapped = loop(LONG_NOP, NOPS);
      assertThat(swapped.length()).isEqualTo(loop(NOPS, LONG_NOP).length());
      m.memory().write(CODE, hex(swapped));
      m.engine().removeTranslations(CODE, CODE + swapped.length() / 2);
      c2 = run(m, swapped);
    }
    try (Machine m = machine(false)) {
      run(m, loop(NOPS, LONG_NOP));
      String swapped = loop(LONG_NOP, NOPS);
      m.memory().write(CODE, hex(swapped));
      m.engine().removeTranslations(CODE, CODE + swapped.length() / 2);
      j2 = run(m, swapped);
    }
    assertThat(c2.instructions()).isEqualTo(j2.instructions());
    assertThat(c2.values()).isEqualTo(j2.values());
    assertThat(c2.reads()[1]).as("positions learnt again after the rewrite").isGreaterThan(handedBefore);
  }

  /**
   * Code rewritten and translated again after Unicorn's code buffer is flushed ({@code UC_CTL_TB_FLUSH}: every
   * translation's memory is given back) reads the PM timer at its own {@code IN}, as the Java device does. (Whether a
   * new translation lands in the memory of the old one is up to Unicorn: this test does not force it; with the flush
   * count left out of the position table's key it still passed.)
   */
  @Test
  void rewrittenCodeTranslatedAgainAfterAFlushOfTheCodeBufferReadsAtItsOwnIn() {
    Result c2;
    Result j2;
    try (Machine m = machine(true)) {
      run(m, loop(NOPS, LONG_NOP));
      String swapped = loop(LONG_NOP, NOPS);
      m.memory().write(CODE, hex(swapped));
      m.engine().flushTranslations();
      c2 = run(m, swapped);
    }
    try (Machine m = machine(false)) {
      run(m, loop(NOPS, LONG_NOP));
      String swapped = loop(LONG_NOP, NOPS);
      m.memory().write(CODE, hex(swapped));
      m.engine().flushTranslations();
      j2 = run(m, swapped);
    }
    assertThat(c2.instructions()).isEqualTo(j2.instructions());
    assertThat(c2.values()).isEqualTo(j2.values());
  }

  private static final int MID_ROUNDS = 1_500;

  /**
   * One block of about 470 instructions per round: 100 NOPs; {@code in al, 0x80} (a port no device serves: Java
   * answers it); 150 NOPs; {@code in eax, dx} (PM_TMR); 150 NOPs; {@code in ax, dx}; {@code cpuid} (Unicorn writes RIP
   * back there); 50 NOPs; {@code in al, dx}; the three timer values stored, then the loop's end. At 2 GHz 150
   * instructions are 75 ns of virtual time, about a quarter of a PM tick (279 ns): a read placed at the block's start
   * (or at the CPUID) instead of at its own instruction gives another value in many rounds.
   */
  private static String midBlockLoop() {
    String n = "90";
    String body = n.repeat(100) + "e480" + n.repeat(150) + "66ba0806" + "ed" + "8907" + n.repeat(150) + "66ed"
        + "66894704" + "0fa2" + n.repeat(50) + "66ba0806" + "ec" + "884706" + "4883c708" + "49ffc8";
    int rel = -(body.length() / 2 + 6);
    return "48c7c700003000" + String.format("41b8%08x", Integer.reverseBytes(MID_ROUNDS)) + body
        + String.format("0f85%08x", Integer.reverseBytes(rel)) + "f4";
  }

  private static Result runMidBlock(Machine m) {
    StopReport r = m.run(load(m, midBlockLoop()), RunLimits.none());
    assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
    return new Result(m.memory().read(BUFFER, 8 * MID_ROUNDS), r.instructions(), m.counterPortReads(),
        m.counterPortsTrustTranslations());
  }

  private static Machine perInstruction() {
    return withPmTimer(builder().instructionCounting(InstructionCounting.PER_INSTRUCTION).build());
  }

  @Test
  void anInDeepInsideItsBlockReadsTheValueOfItsOwnInstructionAsPerInstructionCountingDoes() {
    Result exact;
    Result c;
    Result j;
    try (Machine m = perInstruction()) {
      exact = runMidBlock(m);
    }
    try (Machine m = machine(true)) {
      assertThat(m.counterPortsInC()).isTrue();
      // the same Unicorn build check as inline counting's (Debian's libunicorn2 2.0.1.post1)
      assertThat(m.counterPortsTrustTranslations()).isEqualTo(m.clock().blockCounter().inline());
      c = runMidBlock(m);
    }
    try (Machine m = machine(false)) {
      j = runMidBlock(m);
    }
    assertThat(exact.instructions()).isEqualTo(c.instructions()).isEqualTo(j.instructions());
    // every IN of the block at its own instruction: per instruction, by block with the reads in C, and all in Java
    assertThat(c.values()).isEqualTo(exact.values());
    assertThat(j.values()).isEqualTo(exact.values());
    assertThat(c.reads()[0]).as("reads answered in C").isGreaterThan(3L * MID_ROUNDS - 10);
    assertThat(c.reads()[1]).as("reads handed to Java").isLessThan(10);
    if (c.trustsTranslations()) {
      // Unicorn translated, invalidated and flushed nothing while the loop ran: the block's bytes are not read again
      assertThat(c.reads()[3]).as("reads that compared the block's bytes").isLessThan(10);
    }
  }

  @Test
  void servingPortsOutsideTheIoSpaceOrTwiceIsRefusedNamingThePorts() {
    try (Machine m = builder().build()) {
      assertThatThrownBy(() -> m.serveCounterPorts(0xFFFE, 4, 24, HZ)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0xFFFE+4");
      m.serveCounterPorts(PORT, 4, 24, HZ);
      assertThatThrownBy(() -> m.serveCounterPorts(0x700, 4, 24, HZ)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("0x608+4");
    }
  }

  @Test
  void theSwitchOffKeepsEveryReadInJava() {
    try (Machine m = builder().nativeClockPorts(false).build()) {
      assertThat(m.counterPortsInC()).isFalse();
      m.serveCounterPorts(PORT, 4, 24, HZ); // accepted, nothing served in C
      assertThat(m.counterPortReads()).containsExactly(0, 0, 0, 0);
    }
  }
}
