package org.efiemu.core.debug;

import java.util.HexFormat;

/**
 * One guest write into a watched range: where, how wide, the bytes before and after, and the writing
 * instruction's address.
 */
public record WatchHit(Watchpoint watchpoint, long address, int size, byte[] oldBytes, byte[] newBytes, long rip) {
  @Override
  public String toString() {
    HexFormat hex = HexFormat.ofDelimiter(" ").withUpperCase();
    return String.format("watchpoint %d: write of %d byte%s at 0x%X by instruction at 0x%X: %s -> %s",
        watchpoint.id(), size, size == 1 ? "" : "s", address, rip, hex.formatHex(oldBytes), hex.formatHex(newBytes));
  }
}
