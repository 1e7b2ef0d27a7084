package org.efiemu.core.debug.gdb;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.Debugger;

/**
 * The GDB stub serving the debug sample, stopped at its entry, with a raw client connected: what the packet-level tests
 * share. {@link #close()} closes the client first, waits for the session to end, then frees the machine.
 */
final class GdbStubOnSample implements AutoCloseable {
  final DebugSample sample;
  final Debugger debugger;
  final GdbServer server;
  final RspClient client;
  private final ExecutorService owner = Executors.newSingleThreadExecutor();
  private final Future<GdbServer.End> session;

  /** A stub over the plain debugger. */
  GdbStubOnSample() throws Exception {
    this(d -> new GdbServer(d, 0));
  }

  /** How a test builds the stub over the sample's debugger (e.g. with a {@link GdbTarget}). */
  interface Stub {
    GdbServer open(Debugger debugger) throws Exception;
  }

  /** A stub the test builds over the sample's debugger. */
  GdbStubOnSample(Stub stub) throws Exception {
    sample = new DebugSample(ClockMode.COUNTED);
    debugger = new Debugger(sample.machine);
    owner.submit(() -> debugger.start(DebugSample.LAUNCHER, DebugSample.IMAGE_HANDLE, DebugSample.TABLE)).get();
    server = stub.open(debugger);
    session = owner.submit(server::serve);
    client = new RspClient(server.port());
  }

  /** How the GDB session ended (waits up to 20 s). */
  GdbServer.End awaitEnd() throws Exception {
    return session.get(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    client.close();
    awaitEnd();
    server.close();
    owner.shutdownNow();
    debugger.close();
    sample.machine.close();
  }
}
