package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shim is loaded once per JVM, so its switch ({@code -Defiemu.gate.native=false}) is checked in child JVMs
 * running {@link GateStatusProbe} on this test's class path.
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
  void byDefaultTheShimLoadsFromTheClassPathAndServesTheMachineGate() throws Exception {
    List<String> out = probe();
    assertThat(out.get(0)).startsWith("native gate: loaded from ").endsWith("/native/linux-x86_64/libefiemu_gate.so");
    assertThat(out.subList(1, 3)).containsExactly("AUTO=NATIVE", "gate=NATIVE result=42");
  }
}
