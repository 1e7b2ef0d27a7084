package org.efiemu.core.clock;

/**
 * Counting by block ({@link BlockCounter}) could not give the exact instruction count of a run, e.g. a store into
 * the block being run made Unicorn re-run part of it as a block it does not return from its cache. The run is
 * abandoned rather than given a wrong count; running the same guest with the per-instruction counter
 * ({@link InstructionCounting#PER_INSTRUCTION}) gives the exact result.
 */
public final class BlockCountingException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public BlockCountingException(String message) {
    super(message);
  }
}
