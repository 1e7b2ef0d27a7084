package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import org.efiemu.core.debug.Debugger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packets a {@link GdbTarget} answers (qRcmd, qOffsets, qXfer:libraries:read, extended mode) on the real debug
 * sample; the target's own answers are those of an upper layer (here: a two-command monitor written for the test).
 */
class GdbTargetPacketsTest {
  private GdbStubOnSample stub;
  private DebugSample s;
  private Debugger d;
  private GdbServer server;
  private RspClient c;

  @BeforeEach
  void setUp() throws Exception {
    stub = new GdbStubOnSample(debugger -> new GdbServer(target(debugger), 0));
    s = stub.sample;
    d = stub.debugger;
    server = stub.server;
    c = stub.client;
  }

  /** A two-command monitor, a main-image offset and one library: what an upper layer would answer. */
  private static GdbTarget target(Debugger d) {
    return new GdbTarget() {
      @Override
      public Debugger debugger() {
        return d;
      }

      @Override
      public String monitor(String command) {
        if (command.equals("big")) return "x".repeat(5000) + "\n";
        if (command.equals("hello")) return "hello from the target\n";
        throw new IllegalArgumentException("unknown monitor command '" + command + "'");
      }

      @Override
      public OptionalLong mainOffset() {
        return OptionalLong.of(0x200000);
      }

      @Override
      public boolean listsLibraries() {
        return true;
      }

      @Override
      public List<GdbLibrary> libraries() {
        return List.of(new GdbLibrary("driver<1>.efi", 0x7E001000L));
      }
    };
  }

  @AfterEach
  void tearDown() throws Exception {
    stub.close();
  }

  private static String hex(String text) {
    return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
  }

  private String output(String firstReply) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String r = firstReply; !r.equals("OK"); r = c.reply()) {
      assertThat(r).startsWith("O");
      sb.append(new String(HexFormat.of().parseHex(r.substring(1)), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  @Test
  void monitorOutputComesAsConsolePacketsThenOkAndABadCommandIsOneErrorLine() throws Exception {
    assertThat(output(c.ask("qRcmd," + hex("hello")))).isEqualTo("hello from the target\n");
    assertThat(output(c.ask("qRcmd," + hex("big")))).hasSize(5001); // split into several O packets
    assertThat(output(c.ask("qRcmd," + hex("nope")))).isEqualTo("error: unknown monitor command 'nope'\n");
    assertThat(c.ask("qRcmd,zz")).isEqualTo("E01");
    assertThat(c.ask("qC")).isEqualTo("QC1"); // still serving
  }

  @Test
  void imagesAreAnnouncedByQOffsetsAndTheLibraryListAndReverseIsNotAdvertisedWithoutIt() throws Exception {
    assertThat(c.ask("qSupported:xmlRegisters=i386")).contains("qXfer:libraries:read+").doesNotContain("Reverse");
    assertThat(c.ask("qOffsets")).isEqualTo("Text=200000;Data=200000;Bss=200000");
    String xml = c.ask("qXfer:libraries:read::0,1000");
    assertThat(xml).startsWith("l<library-list>")
        .contains("<library name=\"driver&lt;1&gt;.efi\"><segment address=\"0x7e001000\"/></library>");
    assertThat(c.ask("qXfer:libraries:read::0,5")).isEqualTo("m<libr");
    assertThat(c.ask("bs")).isEmpty(); // this target cannot go back
    assertThat(c.ask("!")).isEqualTo("OK");
  }
}
