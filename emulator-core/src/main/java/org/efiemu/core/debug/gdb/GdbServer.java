package org.efiemu.core.debug.gdb;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import org.efiemu.core.debug.Debugger;

/**
 * A GDB remote stub (Remote Serial Protocol over TCP, GDB manual appendix "GDB Remote Serial Protocol") for one
 * {@link Debugger}: {@code gdb -ex 'target remote 127.0.0.1:PORT'} can read and write registers and memory, insert
 * breakpoints and write watchpoints (the debugger's hooks: guest memory is never patched), step, continue and
 * interrupt with Ctrl-C. The x86-64 register layout is served as a target description ({@link TargetDescription}).
 *
 * <p>Listens on the loopback address only. {@link #serve()} accepts one connection and runs the session on the
 * calling thread, which therefore drives the machine (nothing else may use it meanwhile); a reader thread per
 * connection parses packets and forwards Ctrl-C to {@link Debugger#requestInterrupt()}. The guest should be stopped
 * (e.g. by {@link Debugger#start}) before serving.
 */
public final class GdbServer implements AutoCloseable {
  /** How a session ended. */
  public enum End {
    /** {@code D}: GDB detached. */
    DETACHED,
    /** {@code k} / {@code vKill}: GDB killed the target. */
    KILLED,
    /** The connection closed without either. */
    DISCONNECTED
  }

  private static final List<PacketFamily> FAMILIES = List.of(new MonitorPackets(), new LibraryPackets(),
      new ReversePackets(), new QueryPackets(), new ExecutionPackets(),
      new RegisterPackets(), new MemoryPackets(), new BreakpointPackets());

  private final GdbTarget target;
  private final ServerSocket socket;
  private boolean lastExtended;

  /** Binds 127.0.0.1:{@code port} ({@code 0}: an ephemeral port, see {@link #port()}). */
  public GdbServer(Debugger debugger, int port) throws IOException {
    this(GdbTarget.of(Objects.requireNonNull(debugger, "debugger")), port);
  }

  /** A stub for a {@link GdbTarget} (monitor commands, images, reverse execution) on 127.0.0.1:{@code port}. */
  public GdbServer(GdbTarget target, int port) throws IOException {
    this.target = Objects.requireNonNull(target, "target");
    this.socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** The address listened on (always the loopback address). */
  public InetAddress address() {
    return socket.getInetAddress();
  }

  /**
   * Serves gdb sessions one after another: after a session in extended mode ({@code target extended-remote}) that
   * detached or disconnected, the next gdb may connect to the same machine, stopped where the last one left it. Ends
   * after a session that was not extended, or that killed the target; returns how the last one ended.
   */
  public End serveSessions() throws IOException {
    while (true) {
      End e = serve();
      if (e == End.KILLED || !lastExtended) return e;
    }
  }

  /** Accepts one GDB connection and serves it until GDB detaches, kills or disconnects. */
  public End serve() throws IOException {
    try (Socket client = socket.accept()) {
      client.setTcpNoDelay(true);
      PacketChannel channel = new PacketChannel(new BufferedInputStream(client.getInputStream()),
          new BufferedOutputStream(client.getOutputStream()), () -> target.debugger().requestInterrupt());
      GdbSession session = new GdbSession(target, channel);
      lastExtended = false;
      try {
        return loop(session, channel);
      } finally {
        lastExtended = session.extended;
        session.sync();
        session.breakpoints.values().forEach(session.debugger::remove);
        session.watchpoints.values().forEach(session.debugger::remove);
      }
    }
  }

  private static End loop(GdbSession session, PacketChannel channel) throws IOException {
    while (true) {
      String p;
      try {
        p = channel.next();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return End.DISCONNECTED;
      }
      if (p == PacketChannel.CLOSED) return End.DISCONNECTED;
      if (p == PacketChannel.TOO_LONG) {
        channel.send("E02"); // longer than the PacketSize advertised in qSupported
        continue;
      }
      if (p.equals("k")) return End.KILLED;
      if (p.startsWith("vKill")) {
        channel.send("OK");
        return End.KILLED;
      }
      if (p.startsWith("D")) {
        channel.send("OK");
        return End.DETACHED;
      }
      channel.send(dispatch(session, p));
      if (p.equals(QueryPackets.NO_ACK)) channel.noAckMode();
    }
  }

  private static String dispatch(GdbSession session, String p) throws IOException {
    try {
      for (PacketFamily f : FAMILIES) {
        String r = f.reply(session, p);
        if (r != null) return r;
      }
      return "";
    } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
      return "E01"; // malformed numbers, unknown registers, memory outside RAM
    } catch (RuntimeException e) {
      return "E03"; // the engine refused the request (e.g. a hook range it cannot take): the stub keeps serving
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
