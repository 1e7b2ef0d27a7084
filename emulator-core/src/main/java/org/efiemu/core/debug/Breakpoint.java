package org.efiemu.core.debug;

/** An address breakpoint: execution stops before the instruction at {@link #address()} runs. */
public final class Breakpoint {
  private final int id;
  private final long address;
  private long hits;

  Breakpoint(int id, long address) {
    this.id = id;
    this.address = address;
  }

  public int id() {
    return id;
  }

  public long address() {
    return address;
  }

  /** Times this breakpoint stopped execution. */
  public long hits() {
    return hits;
  }

  void hit() {
    hits++;
  }

  @Override
  public String toString() {
    return String.format("breakpoint %d at 0x%X (%d hit%s)", id, address, hits, hits == 1 ? "" : "s");
  }
}
