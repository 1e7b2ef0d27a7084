package org.efiemu.core.debug.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal RSP client for protocol tests: frames packets, checks acks and reply checksums. */
final class RspClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  boolean noAck;

  RspClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  static String frame(String payload) {
    int sum = 0;
    for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) sum += b & 0xFF;
    return "$" + payload + "#" + String.format("%02x", sum & 0xFF);
  }

  void raw(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads one byte (an ack). */
  char readAck() throws IOException {
    return (char) in.read();
  }

  /** Sends a packet, expects '+' (unless no-ack) and returns the reply's payload after checking its checksum. */
  String ask(String payload) throws IOException {
    raw(frame(payload));
    if (!noAck) {
      char ack = readAck();
      if (ack != '+') throw new IOException("expected '+' after " + payload + ", got '" + ack + "'");
    }
    return reply();
  }

  /** Reads one reply packet, acks it, returns the payload. */
  String reply() throws IOException {
    int c;
    while ((c = in.read()) != '$') {
      if (c < 0) throw new IOException("connection closed");
    }
    StringBuilder sb = new StringBuilder();
    int sum = 0;
    while ((c = in.read()) != '#') {
      sb.append((char) c);
      sum += c;
    }
    int cs = Integer.parseInt("" + (char) in.read() + (char) in.read(), 16);
    if (cs != (sum & 0xFF)) throw new IOException("bad checksum on reply " + sb);
    if (!noAck) raw("+");
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
