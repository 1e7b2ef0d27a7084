package org.efiemu.core.machine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * COM1, a 16550 UART at I/O ports 0x3F8..0x3FF, reduced to what firmware and boot loaders use for output:
 * bytes written to THR (0x3F8, DLAB=0) are captured as text and passed to listeners; LSR (0x3FD) always reports
 * the transmitter empty (THRE | TEMT = 0x60); other registers read back what was written (scratch, LCR, ...).
 */
public final class SerialPort {
  public static final int BASE = 0x3F8;
  private static final int LSR = 5;
  private static final int LCR = 3;
  private final StringBuilder output = new StringBuilder();
  private final List<IntConsumer> listeners = new CopyOnWriteArrayList<>();
  private final int[] registers = new int[8];

  /** True when {@code port} belongs to COM1. */
  public static boolean handles(int port) {
    return port >= BASE && port < BASE + 8;
  }

  int in(int port) {
    int r = port - BASE;
    if (r == LSR) return 0x60;
    return registers[r];
  }

  void out(int port, int value) {
    int r = port - BASE;
    boolean dlab = (registers[LCR] & 0x80) != 0;
    if (r == 0 && !dlab) {
      char c = (char) (value & 0xFF);
      output.append(c);
      for (IntConsumer l : listeners) l.accept(c);
      return;
    }
    registers[r] = value & 0xFF;
  }

  /**
   * Bytes a firmware driver sends through the UART (e.g. the EFI_SERIAL_IO_PROTOCOL's Write): captured and passed to
   * listeners exactly as THR writes by the guest are.
   */
  public void transmit(byte[] data) {
    for (byte b : data) {
      char c = (char) (b & 0xFF);
      output.append(c);
      for (IntConsumer l : listeners) l.accept(c);
    }
  }

  /** Everything written so far. */
  public String output() {
    return output.toString();
  }

  void truncate(int length) {
    output.setLength(Math.min(length, output.length()));
  }

  /** Receives every byte written to THR. */
  public void addListener(IntConsumer listener) {
    listeners.add(listener);
  }
}
