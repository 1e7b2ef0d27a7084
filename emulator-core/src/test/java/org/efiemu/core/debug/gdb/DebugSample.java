package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeLoader;
import org.efiemu.core.pe.PeParser;

/**
 * The debug-sample payload (src/test/c/debug-sample) loaded at {@link #BASE} of a 16 MiB machine, with its host
 * table (one function, "Note") and a launcher ({@code jmp entry}) so a debugger stopped at the launcher reaches the
 * entry point with {@code continue}.
 */
final class DebugSample {
  static final long BASE = 0x400000;
  static final long TABLE = 0x301000;
  static final long LAUNCHER = 0x302000;
  static final long IMAGE_HANDLE = 0x1234;

  final Machine machine;
  final PeImage image;
  final byte[] loaded;
  final long entry;
  final long cells;
  /** Arguments of each Note call. */
  final List<long[]> notes = new ArrayList<>();

  DebugSample(ClockMode mode) throws Exception {
    byte[] file;
    try (InputStream in = DebugSample.class.getResourceAsStream("/payloads/debug-sample.efi")) {
      if (in == null) {
        fail("/payloads/debug-sample.efi is missing from the test class path; it is built from "
            + "emulator-core/src/test/c/debug-sample by `mvn -pl emulator-core generate-test-resources`");
      }
      file = in.readAllBytes();
    }
    image = PeParser.parse(file, "debug-sample.efi");
    loaded = PeLoader.layout(image, BASE);
    machine = Machine.builder(PhysicalLayout.builder().ram(0, 0x0100_0000L).build()).cpuStructuresAt(0x10000)
        .stackTop(0x80000).trapRegion(0x90000, 0x1000).clock(mode, 1, 100).build();
    machine.memory().write(BASE, loaded);
    entry = image.entryPoint(BASE);
    cells = BASE + image.section(".bss").orElseThrow().virtualAddress();
    long note = machine.gate().register("Note", 2, ctx -> {
      notes.add(new long[] {ctx.arg(0), ctx.arg(1)});
      return 0;
    });
    machine.memory().putU64(TABLE, note);
    long rel = entry - (LAUNCHER + 5);
    machine.memory().write(LAUNCHER, new byte[] {(byte) 0xE9, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16),
        (byte) (rel >> 24)});
  }

  /** The loaded image's bytes at guest address {@code at}. */
  byte[] bytesAt(long at, int n) {
    return java.util.Arrays.copyOfRange(loaded, (int) (at - BASE), (int) (at - BASE) + n);
  }

  static long mix(long x, long i) {
    return x * 31 + i;
  }

  /** The cells the payload computes. */
  static long[] expectedCells() {
    long acc = IMAGE_HANDLE;
    long[] c = new long[4];
    for (int i = 0; i < 4; i++) c[i] = acc = mix(acc, i);
    return c;
  }
}
