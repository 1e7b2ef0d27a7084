package org.efiemu.core.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.clock.NativeClockPorts;
import org.efiemu.core.machine.IoPortDevice;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReport;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Bench (not a test): the polling loop of GRUB 2.06's {@code grub_pmtimer_wait_count_tsc} (its TSC calibration on the
 * ACPI PM timer; the bytes of Debian's grubx64.efi, 11 instructions and 3 blocks a round), 2^24 rounds on a
 * {@link Machine} counting by block, thread CPU per round. {@code scripts/pm-timer-loop-raw.c} runs the same bytes on
 * raw Unicorn with a C {@code IN} hook that hands out values, for the comparison.
 *
 * <pre>
 * java -cp early-alloc/target/efiemu-cli.jar:emulator-core/target/test-classes \
 *     org.efiemu.core.bench.PmTimerLoopBench [c|java] [in|noin] [RUNS]
 * </pre>
 * {@code c}: PM-timer reads answered in C ({@link NativeClockPorts}, the default), {@code java}: by the Java device;
 * {@code noin}: the {@code IN} replaced by a NOP (the cost of the loop and its block counting alone).
 */
public final class PmTimerLoopBench {
  private static final int PORT = 0x608;
  private static final long HZ = 3_579_545;
  private static final long CODE = 0x200000;

  private PmTimerLoopBench() {}

  /** mov r10d, 0x608; mov r9d, 0; mov edi, -1; xor r8d, r8d; GRUB's loop (runs until r8d wraps 2^24); hlt. */
  static String code(boolean in) {
    String loop = "4489d2" + (in ? "ed" : "90") + "25ffffff00" + "4439c8" + "7305" + "0d00000001" + "41ffc0" + "39f8"
        + "7217" + "31c0" + "0fa2" + "0f31" + "89c0" + "48c1e220" + "4809c2" + "4889d0" + "4829f0" + "eb0a"
        + "4489c0" + "25ffffff00" + "75c5" + "f4";
    return "41ba08060000" + "41b900000000" + "bfffffffff" + "4531c0" + loop;
  }

  public static void main(String[] args) {
    boolean inC = args.length < 1 || !args[0].equals("java");
    boolean in = args.length < 2 || !args[1].equals("noin");
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0xA0000).ram(0x100000, 0x4000_0000L).build();
    var bean = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < runs; r++) {
      try (Machine m = Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
          .instructionCounting(InstructionCounting.BLOCKS).nativeClockPorts(inC).build()) {
        m.attachIoPorts(PORT, 4, new IoPortDevice() {
          @Override
          public int in(int port, int size) {
            return NativeClockPorts.value(m.clock().nanos(), HZ, 24, PORT, port, size);
          }

          @Override
          public void out(int port, int size, int value) {}
        });
        m.serveCounterPorts(PORT, 4, 24, HZ);
        m.memory().write(CODE, HexFormat.of().parseHex(code(in)));
        long t0 = bean.getCurrentThreadCpuTime();
        StopReport rep = m.run(CODE, RunLimits.none());
        long t1 = bean.getCurrentThreadCpuTime();
        System.out.printf("%s %s: %s, %d instructions, %.1f ms thread CPU, %.2f ns/round; C reads {served, handed, "
            + "learnt, compared} %s%n", inC ? "c" : "java", in ? "in" : "noin", rep.reason(), rep.instructions(),
            (t1 - t0) / 1e6, (t1 - t0) / (double) (1 << 24), Arrays.toString(m.counterPortReads()));
      }
    }
  }
}
