package org.efiemu.core.bench;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.machine.StopReport;
import org.efiemu.core.memory.PhysicalLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the core, all in one run so the numbers compare:
 * <ul>
 *   <li>{@code gate}: guest-to-Java round trip (guest {@code call} into the trap slot, Java function, {@code ret}),
 *       sample mode, so JMH prints the median (p0.50) per call, per clock mode;</li>
 *   <li>{@code loopRawUnicorn}: instructions per second of a {@code dec rcx; jnz} loop in a bare engine (no hooks,
 *       no paging);</li>
 *   <li>{@code loopMachine}: the same loop in a {@link Machine} (long mode, paging, gate and fault hooks installed),
 *       per clock mode.</li>
 * </ul>
 * Run: {@code mvn -B -o -pl emulator-core -Pbench -DskipTests test} (all) or with {@code -Djmh.args="CoreJmh.gate
 * -f 1"} (JMH's command line). The gate uses the JNI shim when it is built ({@code NativeGate.status()}); add
 * {@code -jvmArgsAppend -Defiemu.gate.native=false} to the JMH arguments to measure the JNA fallback instead.
 */
@Fork(value = 1, jvmArgsAppend = "-Xss4m")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CoreJmh {
  static final byte[] LOOP = HexFormat.of().parseHex("48ffc975fbf4"); // 1: dec rcx; jnz 1b; hlt
  // 1: call rbx; dec r12; jnz 1b; hlt  (RSP set 16-byte aligned minus the 32-byte shadow space)
  static final byte[] CALLS = HexFormat.of().parseHex("ffd349ffcc75f9f4");
  static final long CODE = 0x200000;
  static final long STACK_TOP = 0x80000;
  static final int CALLS_PER_OP = 10_000;
  static final long LOOP_ITERATIONS = 5_000_000;

  static Machine machine(ClockMode mode) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x4000_0000L).build();
    return Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(STACK_TOP).trapRegion(0x90000, 0x1000)
        .clock(mode, 1, 100).build();
  }

  static void require(StopReport r) {
    if (r.reason() != StopReason.HLT) throw new IllegalStateException("benchmark guest did not halt: " + r);
  }

  /** A machine with a one-argument Java function and the calling loop loaded. */
  @State(Scope.Thread)
  public static class GateState {
    @Param({"HOST_EVENTS", "COUNTED"})
    public ClockMode clock;
    Machine machine;
    long fn;

    @Setup(Level.Trial)
    public void setUp() {
      machine = machine(clock);
      fn = machine.gate().register("Identity", 1, ctx -> ctx.arg(0));
      machine.memory().write(CODE, CALLS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      machine.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(CALLS_PER_OP)
  public long gate(GateState s) {
    Engine e = s.machine.engine();
    e.reg(X86Reg.RSP, STACK_TOP - 0x28);
    e.reg(X86Reg.RBX, s.fn);
    e.reg(X86Reg.R12, CALLS_PER_OP);
    StopReport r = s.machine.run(CODE, RunLimits.none());
    require(r);
    return r.reg(X86Reg.RAX);
  }

  /** A bare engine with the loop mapped. */
  @State(Scope.Thread)
  public static class RawState {
    Engine engine;

    @Setup(Level.Trial)
    public void setUp() {
      engine = Engine.open();
      engine.map(CODE, 0x1000, Perm.ALL);
      engine.write(CODE, LOOP);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      engine.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation((int) (2 * LOOP_ITERATIONS))
  public long loopRawUnicorn(RawState s) {
    s.engine.reg(X86Reg.RCX, LOOP_ITERATIONS);
    s.engine.emuStart(CODE, CODE + LOOP.length - 1, 0, 0);
    return s.engine.reg(X86Reg.RIP);
  }

  /** A machine with the loop loaded. */
  @State(Scope.Thread)
  public static class LoopState {
    @Param({"HOST_EVENTS", "COUNTED"})
    public ClockMode clock;
    Machine machine;

    @Setup(Level.Trial)
    public void setUp() {
      machine = machine(clock);
      machine.memory().write(CODE, LOOP);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      machine.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation((int) (2 * LOOP_ITERATIONS))
  public long loopMachine(LoopState s) {
    s.machine.engine().reg(X86Reg.RCX, LOOP_ITERATIONS);
    StopReport r = s.machine.run(CODE, RunLimits.none());
    require(r);
    return r.instructions();
  }
}
