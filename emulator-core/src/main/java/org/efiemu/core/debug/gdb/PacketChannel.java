package org.efiemu.core.debug.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * GDB Remote Serial Protocol framing over one connection (GDB manual, "Overview" of the remote protocol):
 * {@code $payload#cs} with a modulo-256 checksum in two hex digits, {@code +}/{@code -} acknowledgements until
 * no-ack mode ({@code QStartNoAckMode}) is on, and the out-of-band interrupt byte {@code 0x03}.
 *
 * <p>A reader thread parses the input so that Ctrl-C is seen while the serving thread is busy running the guest:
 * packets go to a queue, an interrupt byte goes to {@code onInterrupt} at once. Payloads are Latin-1 strings (one
 * char per byte), so binary {@code X} data survives.
 */
final class PacketChannel implements AutoCloseable {
  /** Queued when the connection ends. */
  static final String CLOSED = "\u0000closed";
  /** Queued (after a {@code +}) for a packet longer than {@link #MAX_PAYLOAD}; its bytes are dropped as they come. */
  static final String TOO_LONG = "\u0000too long";
  /** The largest payload accepted: the {@code PacketSize} advertised in {@code qSupported} (0x4000 bytes). */
  static final int MAX_PAYLOAD = 0x4000;

  private final InputStream in;
  private final OutputStream out;
  private final BlockingQueue<String> packets = new LinkedBlockingQueue<>();
  private final Runnable onInterrupt;
  private final Thread reader;
  private volatile boolean noAck;
  private byte[] lastSent;

  PacketChannel(InputStream in, OutputStream out, Runnable onInterrupt) {
    this.in = in;
    this.out = out;
    this.onInterrupt = onInterrupt;
    this.reader = new Thread(this::readLoop, "efiemu-gdb-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** The next packet's payload, or {@link #CLOSED}. */
  String next() throws InterruptedException {
    return packets.take();
  }

  void noAckMode() {
    noAck = true;
  }

  /** Sends {@code $payload#cs} (payload chars are bytes 0..255). */
  synchronized void send(String payload) throws IOException {
    byte[] body = payload.getBytes(StandardCharsets.ISO_8859_1);
    int sum = 0;
    for (byte b : body) sum += b & 0xFF;
    byte[] frame = new byte[body.length + 4];
    frame[0] = '$';
    System.arraycopy(body, 0, frame, 1, body.length);
    frame[body.length + 1] = '#';
    String cs = String.format("%02x", sum & 0xFF);
    frame[body.length + 2] = (byte) cs.charAt(0);
    frame[body.length + 3] = (byte) cs.charAt(1);
    lastSent = frame;
    out.write(frame);
    out.flush();
  }

  private synchronized void raw(int b) throws IOException {
    out.write(b);
    out.flush();
  }

  private synchronized void resend() throws IOException {
    if (lastSent != null) {
      out.write(lastSent);
      out.flush();
    }
  }

  private void readLoop() {
    try {
      int c;
      while ((c = in.read()) >= 0) {
        if (c == 0x03) {
          onInterrupt.run();
        } else if (c == '-') {
          resend();
        } else if (c == '$') {
          readPacket();
        } // '+' and noise between packets are ignored
      }
    } catch (IOException e) {
      // connection closed
    } finally {
      packets.add(CLOSED);
      // a client that vanished while the guest runs must not leave it running to its budget
      onInterrupt.run();
    }
  }

  private void readPacket() throws IOException {
    StringBuilder body = new StringBuilder();
    int sum = 0;
    int c;
    boolean tooLong = false;
    while ((c = in.read()) >= 0 && c != '#') {
      if (body.length() < MAX_PAYLOAD) {
        body.append((char) c);
      } else {
        tooLong = true; // keep reading to the end of the frame, keep nothing
      }
      sum += c;
    }
    if (c < 0) return;
    int h = in.read();
    int l = in.read();
    if (h < 0 || l < 0) return;
    int hd = Character.digit(h, 16);
    int ld = Character.digit(l, 16);
    boolean ok = hd >= 0 && ld >= 0 && hd * 16 + ld == (sum & 0xFF);
    if (tooLong) {
      if (!noAck) raw('+'); // received whole: answered with an error, not resent
      packets.add(TOO_LONG);
      return;
    }
    if (!noAck) raw(ok ? '+' : '-');
    if (ok) packets.add(body.toString());
  }

  @Override
  public void close() throws IOException {
    in.close();
    out.close();
  }
}
