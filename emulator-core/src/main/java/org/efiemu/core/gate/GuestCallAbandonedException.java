package org.efiemu.core.gate;

/**
 * Thrown by {@link CallContext#callGuest} in a host function whose guest call can no longer return: the run ended
 * (a stop, the instruction budget, an engine error) while the guest function ran. The host function should let it
 * propagate; whatever it returns afterwards is discarded. Not an {@link IllegalStateException}, so that code which
 * handles "this function may not call the guest" does not mistake the end of a run for a binding error.
 */
public final class GuestCallAbandonedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestCallAbandonedException(String message) {
    super(message);
  }
}
