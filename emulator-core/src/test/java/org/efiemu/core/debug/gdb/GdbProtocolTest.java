package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stub's packets, framing and interrupt, through a raw socket client. */
class GdbProtocolTest {
  private GdbStubOnSample stub;
  private DebugSample s;
  private Debugger d;
  private GdbServer server;
  private RspClient c;

  @BeforeEach
  void setUp() throws Exception {
    stub = new GdbStubOnSample();
    s = stub.sample;
    d = stub.debugger;
    server = stub.server;
    c = stub.client;
  }

  @AfterEach
  void tearDown() throws Exception {
    stub.close();
  }

  @Test
  void badChecksumIsAnsweredWithANakAndTheStubListensOnLoopbackOnly() throws Exception {
    assertThat(server.address().isLoopbackAddress()).isTrue();
    c.raw("$qC#00");
    assertThat(c.readAck()).isEqualTo('-');
    assertThat(c.ask("qC")).isEqualTo("QC1");
    assertThat(c.ask("?")).isEqualTo("T05thread:01;");
    assertThat(c.ask("qAttached")).isEqualTo("1");
    assertThat(c.ask("qfThreadInfo")).isEqualTo("m1");
    assertThat(c.ask("vCont?")).isEqualTo("vCont;c;C;s;S");
    assertThat(c.ask("qSupported:multiprocess+;swbreak+")).contains("qXfer:features:read+").contains("PacketSize=");
    assertThat(c.ask("qSomethingUnknown")).isEmpty();
  }

  @Test
  void targetDescriptionIsServedInPartsAndNamesTheAmd64Registers() throws Exception {
    StringBuilder xml = new StringBuilder();
    String part;
    do {
      part = c.ask(String.format("qXfer:features:read:target.xml:%x,100", xml.length()));
      xml.append(part.substring(1));
    } while (part.startsWith("m"));
    assertThat(part).startsWith("l");
    assertThat(xml.toString()).isEqualTo(TargetDescription.xml())
        .contains("<architecture>i386:x86-64</architecture>").contains("org.gnu.gdb.i386.core")
        .contains("<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>").contains("name=\"fs_base\"")
        .contains("name=\"cr3\"");
  }

  @Test
  void registersMatchTheTargetDescriptionLayoutAndCanBeWritten() throws Exception {
    String g = c.ask("g");
    int bytes = TargetDescription.REGISTERS.stream().mapToInt(TargetDescription.Reg::bytes).sum();
    assertThat(g).hasSize(2 * bytes);
    assertThat(c.ask("p10")).isEqualTo(Hex.le(DebugSample.LAUNCHER, 8)); // rip is register 16
    assertThat(c.ask("p2")).isEqualTo(Hex.le(DebugSample.IMAGE_HANDLE, 8)); // rcx: first argument
    assertThat(g.substring(16 * 2 * 8, 17 * 2 * 8)).isEqualTo(Hex.le(DebugSample.LAUNCHER, 8));
    assertThat(c.ask("P3=efbeadde00000000")).isEqualTo("OK"); // rdx
    assertThat(d.reg(X86Reg.RDX)).isEqualTo(0xDEADBEEFL);
    int cr3 = TargetDescription.number("cr3");
    assertThat(Hex.parseLe(c.ask(String.format("p%x", cr3)))).isEqualTo(s.machine.identityCr3());
    assertThat(c.ask("G" + g)).isEqualTo("OK"); // writing back what was read changes nothing
    assertThat(d.reg(X86Reg.RDX)).isEqualTo(DebugSample.TABLE);
  }

  @Test
  void memoryReadsWritesAndFaults() throws Exception {
    assertThat(c.ask(String.format("m%x,8", s.entry))).isEqualTo(HexFormat.of().formatHex(s.bytesAt(s.entry, 8)));
    assertThat(c.ask("M300000,4:01020304")).isEqualTo("OK");
    assertThat(s.machine.memory().read(0x300000, 4)).containsExactly(1, 2, 3, 4);
    assertThat(c.ask("X300004,3:" + "}\u0003" + "a" + "}]")).isEqualTo("OK"); // escaped '#', 'a', '}'
    assertThat(s.machine.memory().read(0x300004, 3)).containsExactly('#', 'a', '}');
    assertThat(c.ask("X300000,0:")).isEqualTo("OK");
    assertThat(c.ask("m2000000,4")).isEqualTo("E14"); // beyond the 16 MiB of RAM
    assertThat(c.ask("mfffffe,4")).isEqualTo("0000"); // the RAM part of a range that runs off the end
  }

  @Test
  void breakpointContinueStepAndInterrupt() throws Exception {
    assertThat(c.ask(String.format("Z0,%x,1", s.entry))).isEqualTo("OK");
    assertThat(c.ask("c")).isEqualTo("T05thread:01;");
    assertThat(Hex.parseLe(c.ask("p10"))).isEqualTo(s.entry);
    assertThat(c.ask(String.format("z0,%x,1", s.entry))).isEqualTo("OK");
    assertThat(c.ask("vCont;s:1")).isEqualTo("T05thread:01;");
    assertThat(Hex.parseLe(c.ask("p10"))).isEqualTo(d.disassemble(s.entry, 1).get(0).next());
    // an endless loop, interrupted with Ctrl-C while running
    assertThat(c.ask("M300100,2:ebfe")).isEqualTo("OK"); // jmp $
    assertThat(c.ask("P10=" + Hex.le(0x300100, 8))).isEqualTo("OK");
    c.raw(RspClient.frame("c"));
    assertThat(c.readAck()).isEqualTo('+');
    Thread.sleep(200);
    c.raw("\u0003");
    assertThat(c.reply()).isEqualTo("T02thread:01;");
    assertThat(Hex.parseLe(c.ask("p10"))).isEqualTo(0x300100);
    assertThat(c.ask("QStartNoAckMode")).isEqualTo("OK");
    c.noAck = true;
    assertThat(c.ask("qC")).isEqualTo("QC1");
    c.raw(RspClient.frame("k"));
  }

  @Test
  void aFaultStopsWithSigsegvFirstAndResumingFromItReportsTheProgramTerminatedBySigsegv() throws Exception {
    assertThat(c.ask("M300100,8:488b042500000040")).isEqualTo("OK"); // mov rax, [0x40000000]: beyond the RAM
    assertThat(c.ask("P10=" + Hex.le(0x300100, 8))).isEqualTo("OK");
    assertThat(c.ask("c")).isEqualTo("T0bthread:01;");
    assertThat(Hex.parseLe(c.ask("p10"))).as("the faulting state can be inspected").isEqualTo(0x300100);
    String console = c.ask("c");
    assertThat(console).startsWith("O");
    assertThat(new String(HexFormat.of().parseHex(console.substring(1)), java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("efiemu: the run ended with MEMORY_FAULT");
    assertThat(c.reply()).as("terminated by SIGSEGV, without running again").isEqualTo("X0b");
    c.raw(RspClient.frame("k"));
  }
}
