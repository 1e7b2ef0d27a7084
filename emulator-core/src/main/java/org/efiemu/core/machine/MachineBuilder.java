package org.efiemu.core.machine;

import java.util.Objects;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.memory.PhysicalMemory;

/**
 * Configures a {@link Machine}. The upper layer (the firmware model) chooses where the CPU structures, the stack
 * and the call gate's trap region live; all three must be RAM.
 */
public final class MachineBuilder {
  final PhysicalLayout layout;
  long structuresBase = -1;
  long stackTop = -1;
  long trapBase = -1;
  long trapSize = 0x1000;
  long chunkSize = PhysicalMemory.DEFAULT_CHUNK;
  CpuDescription cpu = CpuDescription.genericIntel();
  ClockMode clockMode = ClockMode.COUNTED;
  InstructionCounting counting = InstructionCounting.BLOCKS;
  long cyclesPerInstruction = 1;
  long cyclesPerHostCall = 100;
  long cyclesPerRdtsc = 20;
  long tscFrequencyHz = 2_000_000_000L;
  boolean storeFastPath = true;
  boolean nativeClockPorts = org.efiemu.core.clock.NativeClockPorts.enabledByDefault();
  org.efiemu.core.engine.ReusableEngine reusable;

  MachineBuilder(PhysicalLayout layout) {
    this.layout = Objects.requireNonNull(layout, "layout");
  }

  /**
   * Whether guest stores to RAM pages holding no translated code stay on Unicorn's fast path (default true; only
   * with the Unicorn build {@link org.efiemu.core.engine.StoreFastPath} knows, otherwise always the stock path).
   * The guest sees no difference; false is for comparing and for ruling the fast path out.
   */
  public MachineBuilder storeFastPath(boolean on) {
    this.storeFastPath = on;
    return this;
  }

  /**
   * Whether reads of virtual-time counter ports ({@link Machine#serveCounterPorts}, e.g. the ACPI PM timer) are
   * answered in C ({@link org.efiemu.core.clock.NativeClockPorts}; default true unless
   * {@code -Defiemu.io.nativeClockPorts=false}; only when counting by block with the JNI shim). The guest sees the
   * same values either way; false keeps every port read in Java.
   */
  public MachineBuilder nativeClockPorts(boolean on) {
    this.nativeClockPorts = on;
    return this;
  }

  /** Where GDT, IDT and page tables go ({@link Machine#structuresSize(PhysicalLayout)} bytes, 4 KiB aligned). */
  public MachineBuilder cpuStructuresAt(long base) {
    this.structuresBase = base;
    return this;
  }

  /** Initial RSP (16-byte aligned; the stack grows down from here). */
  public MachineBuilder stackTop(long top) {
    this.stackTop = top;
    return this;
  }

  /** The call gate's trap region. */
  public MachineBuilder trapRegion(long base, long size) {
    this.trapBase = base;
    this.trapSize = size;
    return this;
  }

  /** Lazy RAM mapping granule (power of two, at least 4 KiB). */
  public MachineBuilder chunkSize(long size) {
    this.chunkSize = size;
    return this;
  }

  public MachineBuilder cpu(CpuDescription cpu) {
    this.cpu = Objects.requireNonNull(cpu, "cpu");
    return this;
  }

  /** Clock mode and costs (virtual cycles per instruction and per host call). */
  public MachineBuilder clock(ClockMode mode, long perInstruction, long perHostCall) {
    this.clockMode = Objects.requireNonNull(mode, "mode");
    this.cyclesPerInstruction = perInstruction;
    this.cyclesPerHostCall = perHostCall;
    return this;
  }

  /**
   * How a {@link ClockMode#COUNTED} clock counts instructions: {@link InstructionCounting#BLOCKS} (the default; one
   * native call per translated block, exact except where {@link Machine#positionsExact()} says) or
   * {@link InstructionCounting#PER_INSTRUCTION} (a native call before every instruction; exact everywhere, several
   * times slower).
   */
  public MachineBuilder instructionCounting(InstructionCounting counting) {
    this.counting = Objects.requireNonNull(counting, "counting");
    return this;
  }

  /** The TSC frequency reported with the virtual clock. */
  public MachineBuilder tscFrequencyHz(long hz) {
    this.tscFrequencyHz = hz;
    return this;
  }

  /**
   * Builds the machine on an engine lent by {@code engine} instead of a new one; {@link Machine#close()} gives it
   * back. null (the default): a new engine, closed with the machine. The machine behaves exactly as on a new engine.
   */
  public MachineBuilder engine(org.efiemu.core.engine.ReusableEngine engine) {
    this.reusable = engine;
    return this;
  }

  public Machine build() {
    require(structuresBase, "cpuStructuresAt");
    require(stackTop, "stackTop");
    require(trapBase, "trapRegion");
    long need = Machine.structuresSize(layout);
    if (structuresBase % 4096 != 0 || !layout.isRam(structuresBase, need)) {
      throw new IllegalArgumentException(String.format(
          "cpuStructuresAt 0x%X: needs 0x%X bytes of 4 KiB-aligned RAM in %s", structuresBase, need, layout));
    }
    if (stackTop % 16 != 0 || !layout.isRam(stackTop - 4096, 4096)) {
      throw new IllegalArgumentException(String.format(
          "stackTop 0x%X: must be 16-byte aligned with at least 4 KiB of RAM below it", stackTop));
    }
    return new Machine(this);
  }

  private static void require(long v, String what) {
    if (v < 0) throw new IllegalStateException("MachineBuilder: " + what + "(...) was not set");
  }
}
