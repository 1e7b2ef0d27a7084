package org.efiemu.core.debug;

/** A write watchpoint on guest physical range {@code [address, address+length)}. */
public final class Watchpoint {
  private final int id;
  private final long address;
  private final long length;
  private long hits;

  Watchpoint(int id, long address, long length) {
    this.id = id;
    this.address = address;
    this.length = length;
  }

  public int id() {
    return id;
  }

  public long address() {
    return address;
  }

  public long length() {
    return length;
  }

  /** True when a write of {@code size} bytes at {@code at} touches the range. */
  public boolean overlaps(long at, long size) {
    return at < address + length && address < at + size;
  }

  public long hits() {
    return hits;
  }

  void hit() {
    hits++;
  }

  @Override
  public String toString() {
    return String.format("watchpoint %d on writes to [0x%X, 0x%X) (%d hit%s)", id, address, address + length, hits,
        hits == 1 ? "" : "s");
  }
}
