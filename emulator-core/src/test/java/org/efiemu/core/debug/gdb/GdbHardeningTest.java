package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.efiemu.core.debug.Debugger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile or broken GDB clients: every packet validated, errors as E codes, size limit, the stub keeps serving. */
class GdbHardeningTest {
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
  void breakpointAtANonCanonicalAddressIsAnErrorAndTheStubKeepsServing() throws Exception {
    assertThat(c.ask("Z1,ffffffffffffffff,1")).matches("E0[13]"); // refused by the check or by the engine
    assertThat(c.ask("Z0,8000000000000000,1")).isEqualTo("E01");
    assertThat(c.ask("Z2,1000,0")).isEqualTo("E01");
    assertThat(c.ask("Z0")).isEqualTo("E01");
    assertThat(c.ask("Z0,zz,1")).isEqualTo("E01");
    assertThat(c.ask("qC")).isEqualTo("QC1");
  }

  @Test
  void registerWriteWithGarbageIsRefusedWhole() throws Exception {
    String before = c.ask("g");
    assertThat(c.ask("Gnot-hex-at-all")).isEqualTo("E01");
    assertThat(c.ask("G" + before + "00")).isEqualTo("E01");
    assertThat(c.ask("g")).isEqualTo(before);
  }

  @Test
  void packetLongerThanTheAdvertisedSizeIsAnsweredWithAnErrorAndNotKept() throws Exception {
    assertThat(c.ask("qSupported")).contains("PacketSize=" + Integer.toHexString(PacketChannel.MAX_PAYLOAD));
    assertThat(c.ask("M1000,1:" + "0".repeat(PacketChannel.MAX_PAYLOAD + 10))).isEqualTo("E02");
    assertThat(c.ask("qC")).isEqualTo("QC1");
  }

  @Test
  void clientVanishingWhileTheGuestRunsStopsTheGuest() throws Exception {
    assertThat(c.ask("M300100,2:ebfe")).isEqualTo("OK"); // jmp $
    assertThat(c.ask("P10=" + Hex.le(0x300100, 8))).isEqualTo("OK");
    c.raw(RspClient.frame("c"));
    assertThat(c.readAck()).isEqualTo('+');
    Thread.sleep(200);
    c.close();
    assertThat(stub.awaitEnd()).isEqualTo(GdbServer.End.DISCONNECTED);
  }
}
