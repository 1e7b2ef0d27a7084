package org.efiemu.core.debug.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Coverage-guided fuzz target (Jazzer) for the GDB remote protocol's packet parser ({@link PacketChannel}): any byte
 * stream a client sends is split into {@code $payload#cs} frames; every frame is acknowledged {@code +} (checksum
 * right or frame too long) or {@code -} (checksum wrong), no payload longer than the advertised {@code PacketSize}
 * (0x4000) is kept, each {@code 0x03} interrupts, and the end of the stream always ends the session ({@code CLOSED},
 * an interrupt) — no exception, no hang. Then the payload decoders the packet families use ({@link Hex}) either decode
 * a packet or throw the {@link IllegalArgumentException} the server answers with {@code E01}.
 *
 * <p>The packet families themselves need a live machine (a Unicorn engine) and are fuzzed through a running stub by
 * the jqwik property {@code GdbPacketFuzzTest}. Seeds: {@code GdbPacketFramingCoverageFuzzTestInputs/}.
 */
class GdbPacketFramingCoverageFuzzTest {
  /** Input streams are bounded so one input cannot hold more than a few packets of the largest size. */
  private static final int MAX_STREAM = 4 * PacketChannel.MAX_PAYLOAD;

  @FuzzTest(maxDuration = "25s")
  void anyByteStreamIsFramedAcknowledgedAndEndsTheSession(byte[] stream) throws Exception {
    if (stream.length > MAX_STREAM) {
      return;
    }
    ByteArrayOutputStream acks = new ByteArrayOutputStream();
    AtomicInteger interrupts = new AtomicInteger();
    List<String> packets = new ArrayList<>();
    try (PacketChannel channel = new PacketChannel(new ByteArrayInputStream(stream), acks, interrupts::incrementAndGet)) {
      for (String p = channel.next(); !p.equals(PacketChannel.CLOSED); p = channel.next()) {
        packets.add(p);
      }
    }
    int frames = 0;
    for (byte b : stream) {
      if (b == '$') frames++;
    }
    assertThat(packets).hasSizeLessThanOrEqualTo(frames);
    assertThat(packets).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(PacketChannel.MAX_PAYLOAD));
    // acknowledgements only, one per complete frame; nothing else is ever sent for input alone
    String sent = acks.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(sent).matches("[+-]*").hasSizeGreaterThanOrEqualTo(packets.size()).hasSizeLessThanOrEqualTo(frames);
    // the end of the stream interrupts a running guest once more (the reader thread does so just after queueing CLOSED)
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (interrupts.get() <= interruptBytesOutsideFrames(stream) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(interrupts.get()).isEqualTo(interruptBytesOutsideFrames(stream) + 1);
    for (String p : packets) {
      decode(p);
    }
  }

  /** The 0x03 bytes between frames (inside a frame's payload or as a checksum digit 0x03 is data). */
  private static int interruptBytesOutsideFrames(byte[] stream) {
    int n = 0;
    int i = 0;
    while (i < stream.length) {
      byte b = stream[i++];
      if (b == 0x03) {
        n++;
      } else if (b == '$') {
        while (i < stream.length && stream[i] != '#') i++;
        i += 3; // '#' and two checksum characters
      }
    }
    return n;
  }

  /** The decoders a packet's arguments go through: they decode or throw IllegalArgumentException (answered E01). */
  private static void decode(String packet) {
    Hex.unescape(packet);
    for (String field : packet.split("[,:;=]", 64)) {
      String f = field.isEmpty() ? field : field.substring(1);
      try {
        Hex.number(f);
      } catch (IllegalArgumentException expected) {
        // NumberFormatException is one
      }
      try {
        Hex.parseLe(f);
      } catch (IllegalArgumentException expected) {
        // odd length or not hex
      }
    }
  }
}
