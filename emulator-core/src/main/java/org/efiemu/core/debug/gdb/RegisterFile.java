package org.efiemu.core.debug.gdb;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.UnicornLib;

/**
 * Reads and writes registers in the layout of {@link TargetDescription} through {@code uc_reg_read}/{@code
 * uc_reg_write} (x87 registers as 10-byte {@code uc_x86_float80}, XMM as 16 bytes). A register Unicorn cannot read
 * is sent as unavailable ({@code xx..}, GDB manual "g packet"). Writes of an unchanged value are skipped, so a
 * {@code G} packet does not reload segment selectors.
 */
final class RegisterFile {
  private final Engine engine;
  private final Memory buffer = new Memory(32);

  RegisterFile(Engine engine) {
    this.engine = engine;
  }

  /** Register {@code n} as little-endian hex, or {@code x} digits when unavailable. */
  String read(int n) {
    TargetDescription.Reg r = reg(n);
    byte[] b = raw(r);
    return b == null ? "xx".repeat(r.bytes()) : Hex.bytes(b);
  }

  private byte[] raw(TargetDescription.Reg r) {
    buffer.clear(32);
    int err = UnicornLib.uc_reg_read(engine.handle(), r.unicornId(), Pointer.nativeValue(buffer));
    return err != 0 ? null : buffer.getByteArray(0, r.bytes());
  }

  /** Writes register {@code n} from little-endian hex; returns false when Unicorn refuses it. */
  boolean write(int n, String hex) {
    TargetDescription.Reg r = reg(n);
    byte[] value = Hex.parseBytes(hex);
    if (value.length != r.bytes()) {
      throw new IllegalArgumentException(String.format("register %s takes %d bytes, the packet has %d", r.name(),
          r.bytes(), value.length));
    }
    byte[] now = raw(r);
    if (now != null && java.util.Arrays.equals(now, value)) return true;
    // raw() left the full current value in the buffer: the upper bytes of a wider Unicorn register (RFLAGS under
    // eflags) stay as they are
    if (now == null) buffer.clear(32);
    buffer.write(0, value, 0, value.length);
    return UnicornLib.uc_reg_write(engine.handle(), r.unicornId(), Pointer.nativeValue(buffer)) == 0;
  }

  /** All registers ({@code g} packet). */
  String readAll() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < TargetDescription.REGISTERS.size(); i++) sb.append(read(i));
    return sb.toString();
  }

  /** All registers from a {@code G} packet; returns false when one write was refused. */
  boolean writeAll(String hex) {
    // the whole g layout or a prefix of it, in hex digits (x for unavailable); anything else is refused whole
    int total = 0;
    for (int i = 0; i < TargetDescription.REGISTERS.size(); i++) total += 2 * reg(i).bytes();
    if (hex.isEmpty() || hex.length() > total || (hex.length() & 1) != 0
        || !hex.chars().allMatch(c -> c == 'x' || Character.digit(c, 16) >= 0)) {
      return false;
    }
    int at = 0;
    boolean ok = true;
    for (int i = 0; i < TargetDescription.REGISTERS.size() && at < hex.length(); i++) {
      int len = 2 * reg(i).bytes();
      String part = hex.substring(at, Math.min(hex.length(), at + len));
      at += len;
      if (part.length() == len && !part.contains("x")) ok &= write(i, part);
    }
    return ok;
  }

  private static TargetDescription.Reg reg(int n) {
    if (n < 0 || n >= TargetDescription.REGISTERS.size()) {
      throw new IllegalArgumentException("register number " + n + " outside 0.." + (TargetDescription.REGISTERS.size() - 1));
    }
    return TargetDescription.REGISTERS.get(n);
  }
}
