package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.engine.NativeGate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim is loaded once per JVM, so its switch ({@code -Defiemu.gate.native=false}) and the file the launcher
 * unpacks ({@code -Defiemu.gate.library=PATH}) are checked in child JVMs running {@link GateStatusProbe} on this test's
 * class path.
 */
class NativeGateStatusTest {
  private static List<String> probe(String... jvmArgs) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new java.util.ArrayList<>(List.of(java));
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GateStatusProbe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().toList();
  }

  @Test
  void disablingTheShimByPropertyFallsBackToJnaAndSaysWhy() throws Exception {
    assertThat(probe("-Defiemu.gate.native=false")).containsExactly(
        "native gate unavailable: disabled by -Defiemu.gate.native=false",
        "AUTO=JNA",
        "gate=JNA result=42");
  }

  @Test
  void aLibraryFileGivenByPropertyIsLoadedInPlaceAndServesTheMachineGate(@TempDir Path dir) throws Exception {
    Path lib = dir.resolve("libefiemu_gate.so");
    try (InputStream in = NativeGate.class.getResourceAsStream(NativeGate.RESOURCE)) {
      assertThat(in).as("the build's library on the class path").isNotNull();
      Files.copy(in, lib);
    }
    List<String> out = probe("-D" + NativeGate.LIBRARY_PROPERTY + "=" + lib);
    assertThat(out).containsExactly("native gate: loaded from " + lib + " (-Defiemu.gate.library)", "AUTO=NATIVE",
        "gate=NATIVE result=42");
  }

  @Test
  void aMissingLibraryFileGivenByPropertyIsNamedAndTheGateFallsBackToJna(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("no-such-libefiemu_gate.so");
    assertThat(probe("-D" + NativeGate.LIBRARY_PROPERTY + "=" + missing)).containsExactly(
        "native gate unavailable: -Defiemu.gate.library=" + missing + ": no readable file there",
        "AUTO=JNA",
        "gate=JNA result=42");
  }

  @Test
  void byDefaultTheShimLoadsFromTheClassPathAndServesTheMachineGate() throws Exception {
    List<String> out = probe();
    assertThat(out.get(0)).startsWith("native gate: loaded from ").endsWith("/native/linux-x86_64/libefiemu_gate.so");
    assertThat(out.subList(1, 3)).containsExactly("AUTO=NATIVE", "gate=NATIVE result=42");
  }
}
