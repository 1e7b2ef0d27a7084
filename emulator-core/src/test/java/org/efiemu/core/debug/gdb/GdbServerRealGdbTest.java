package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopKind;
import org.efiemu.core.debug.disasm.Instruction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Debian's real {@code gdb}, in batch mode, against the stub serving the debug-sample payload. */
class GdbServerRealGdbTest {
  private static final String GDB = "/usr/bin/gdb";

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void realGdbBreaksAtTheEntryStepsReadsMemoryWatchesAWriteAndSeesTheResult(ClockMode mode) throws Exception {
    if (!new File(GDB).canExecute()) {
      fail("%s is missing: the GDB stub is tested with the real debugger; install it with: apt-get install -y gdb", GDB);
    }
    DebugSample s = new DebugSample(mode);
    ExecutorService owner = Executors.newSingleThreadExecutor(); // the thread that drives the machine
    try (Debugger d = new Debugger(s.machine); GdbServer server = new GdbServer(d, 0)) {
      assertThat(owner.submit(() -> d.start(DebugSample.LAUNCHER, DebugSample.IMAGE_HANDLE, DebugSample.TABLE))
          .get(30, TimeUnit.SECONDS).kind()).isEqualTo(StopKind.STEP);
      Instruction first = d.disassemble(s.entry, 1).get(0);
      long afterStep = first.next();
      long watched = s.cells + 16; // cells[2]
      Future<GdbServer.End> session = owner.submit(server::serve);

      List<String> cmd = new ArrayList<>(List.of(GDB, "-batch", "-nx"));
      for (String c : List.of("set architecture i386:x86-64", "target remote 127.0.0.1:" + server.port(),
          String.format("break *0x%x", s.entry), "continue", "stepi", "info registers rip", "x/4xb $rip",
          String.format("watch *(unsigned long *)0x%x", watched), "continue", "delete", "continue")) {
        cmd.add("-ex");
        cmd.add(c);
      }
      Process gdb = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!gdb.waitFor(60, TimeUnit.SECONDS)) {
        gdb.destroyForcibly();
        fail("gdb did not finish within 60 s; output so far:%n%s",
            new String(gdb.getInputStream().readNBytes(gdb.getInputStream().available()), StandardCharsets.UTF_8));
      }
      String out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(session.get(30, TimeUnit.SECONDS)).as(out).isIn(GdbServer.End.KILLED, GdbServer.End.DISCONNECTED,
          GdbServer.End.DETACHED);

      assertThat(out).as("breakpoint at the entry point").contains(String.format("Breakpoint 1, 0x%016x", s.entry));
      assertThat(out).as("RIP after stepi").containsPattern(String.format("rip\\s+0x%x\\s", afterStep));
      StringBuilder bytes = new StringBuilder(String.format("0x%x:", afterStep));
      for (byte b : s.bytesAt(afterStep, 4)) bytes.append(String.format("\t0x%02x", b & 0xFF));
      assertThat(out).as("x/4xb $rip shows the image's bytes").contains(bytes.toString());
      long[] cells = DebugSample.expectedCells();
      assertThat(out).as("the write watchpoint").contains("Hardware watchpoint 2")
          .contains("Old value = 0").contains("New value = " + Long.toUnsignedString(cells[2]));
      assertThat(out).as("the result").contains("efiemu: the called function returned 0x2A")
          .contains("exited with code 052");
      assertThat(s.notes).hasSize(1);
      assertThat(s.notes.get(0)).containsExactly(s.cells, cells[3]);
      assertThat(s.machine.memory().u64(s.cells + 24)).isEqualTo(cells[3]);
    } finally {
      owner.shutdownNow();
      s.machine.close();
    }
  }
}
