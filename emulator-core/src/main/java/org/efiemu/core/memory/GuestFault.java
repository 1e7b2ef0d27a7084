package org.efiemu.core.memory;

import org.efiemu.core.engine.MemAccess;

/**
 * A guest access the machine could not satisfy: e.g. a read of an address that is neither RAM nor a declared
 * device range.
 */
public record GuestFault(MemAccess access, long address, int size, long value, String reason) {
  @Override
  public String toString() {
    String what = access.isWrite() ? String.format("write of %d bytes (value 0x%X)", size, value)
        : access.isFetch() ? "instruction fetch" : String.format("read of %d bytes", size);
    return String.format("%s %s at 0x%X: %s", access, what, address, reason);
  }
}
