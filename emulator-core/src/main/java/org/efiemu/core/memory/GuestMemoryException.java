package org.efiemu.core.memory;

/** Host code touched guest memory that cannot be accessed (neither RAM nor a device), or bad arguments. */
public final class GuestMemoryException extends RuntimeException {
  private final long address;
  private final long length;

  public GuestMemoryException(long address, long length, String message) {
    super(String.format("guest memory [0x%X, +0x%X): %s", address, length, message));
    this.address = address;
    this.length = length;
  }

  public long address() {
    return address;
  }

  public long length() {
    return length;
  }
}
