package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random packets through a live stub (the real server, channel and packet families over loopback): every packet is
 * answered with a well-formed reply and the stub keeps serving; commands that run the guest or end the session
 * ({@code c s C S vCont k D vKill R}) are left out so that one session takes every input. Fixed seed.
 */
class GdbPacketFuzzTest {
  private GdbStubOnSample stub;
  private RspClient c;

  @BeforeProperty
  void start() throws Exception {
    stub = new GdbStubOnSample();
    c = stub.client;
  }

  @AfterProperty
  void stop() throws Exception {
    assertThat(c.ask("qC")).isEqualTo("QC1");
    c.raw(RspClient.frame("k"));
    stub.close();
  }

  @Provide
  Arbitrary<String> packets() {
    Arbitrary<String> command = Arbitraries.of("m", "M", "X", "g", "G", "p", "P", "Z0,", "Z1,", "Z2,", "z0,", "z1,",
        "z2,", "Z", "z", "qSupported", "qXfer:features:read:target.xml:", "qXfer:features:read:", "qAttached", "H",
        "T", "?", "QStartNoAckMode", "qRcmd,", "vMustReplyEmpty", "x", "");
    Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.of("0", "ffffffffffffffff", "8000000000000000",
        "7fffffffffff", "fffffffffffffffff", "", "-1", "zz", "300100", "400000", "10000000000"),
        Arbitraries.longs().map(Long::toHexString));
    Arbitrary<String> junk = Arbitraries.strings().withCharRange(' ', '~').excludeChars('$', '#', '}', '*')
        .ofMaxLength(40);
    Arbitrary<String> args = Combinators.combine(number, Arbitraries.of(",", ":", ";", "=", ""), number,
        Arbitraries.of(":", ",", "", ";"), junk).as((a, s1, b, s2, j) -> a + s1 + b + s2 + j);
    return Combinators.combine(command, args).as((cmd, a) -> cmd + a)
        .filter(p -> !p.isEmpty() && "csCSkDR".indexOf(p.charAt(0)) < 0 && !p.startsWith("vCont")
            && !p.startsWith("vKill") && !p.equals("QStartNoAckMode"));
  }

  @Property(tries = 400, seed = "20261208")
  void everyPacketIsAnsweredAndTheStubKeepsServing(@ForAll("packets") String packet) throws Exception {
    String reply = c.ask(packet);
    assertThat(reply).as(packet).doesNotContain("Exception");
  }
}
