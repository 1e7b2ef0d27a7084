package org.efiemu.core.engine;

/** The Java callbacks an {@link Engine} can install, one functional interface per Unicorn hook kind. */
public final class Hooks {
  private Hooks() {}

  /** {@code UC_HOOK_CODE} / {@code UC_HOOK_BLOCK}: an instruction (or block) at {@code address} is about to run. */
  @FunctionalInterface
  public interface CodeHook {
    void onCode(long address, int size) throws Exception;
  }

  /**
   * A call gate's hook ({@link Engine#addGateHook}): the instruction at the start of a slot (not slot 0) is about to
   * run; {@code frame} holds the entry registers and the return address, and takes the value for RAX.
   */
  @FunctionalInterface
  public interface GateHook {
    void onGate(long address, GateFrame frame) throws Exception;
  }

  /** {@code UC_HOOK_INTR}: an interrupt or CPU exception with vector {@code intno}. */
  @FunctionalInterface
  public interface InterruptHook {
    void onInterrupt(int intno) throws Exception;
  }

  /** {@code UC_HOOK_MEM_READ/WRITE/FETCH}: a valid access. */
  @FunctionalInterface
  public interface MemoryHook {
    void onAccess(MemAccess type, long address, int size, long value) throws Exception;
  }

  /**
   * {@code UC_HOOK_MEM_*_UNMAPPED} / {@code *_PROT}: an invalid access. Return {@code true} after fixing the cause
   * (mapping or unprotecting the page) to retry the access, {@code false} to stop with the matching error.
   */
  @FunctionalInterface
  public interface InvalidMemoryHook {
    boolean onInvalid(MemAccess type, long address, int size, long value) throws Exception;
  }

  /**
   * A guest store to a page write-protected through the engine's page set ({@link Engine#writeProtect}), taken in the
   * protection fault instead of a {@code UC_HOOK_MEM_WRITE} ({@link Engine#addProtectedStoreHook}). {@code nested}:
   * the call is one byte of Unicorn's byte-by-byte path of an unaligned or page-crossing store, which follows that
   * store's own call (when its first page is protected) with one call per byte on a protected page. Return
   * {@code true} when handled: the store then lands whether or not the handler lifted the protection (on a page that
   * stays protected the engine writes the bytes itself); {@code false} stops the run with {@code UC_ERR_WRITE_PROT}.
   */
  @FunctionalInterface
  public interface ProtectedStoreHook {
    boolean onStore(long address, int size, long value, boolean nested) throws Exception;
  }

  /** {@code UC_HOOK_INSN} + {@code UC_X86_INS_IN}: returns the value read from {@code port}. */
  @FunctionalInterface
  public interface InHook {
    int onIn(int port, int size) throws Exception;
  }

  /** {@code UC_HOOK_INSN} + {@code UC_X86_INS_OUT}. */
  @FunctionalInterface
  public interface OutHook {
    void onOut(int port, int size, int value) throws Exception;
  }

  /**
   * {@code UC_HOOK_INSN} for CPUID (and RDTSC/RDTSCP where the library supports it): return {@code true} when the
   * hook produced the instruction's results itself (the instruction is skipped).
   */
  @FunctionalInterface
  public interface InstructionHook {
    boolean onInstruction() throws Exception;
  }

  /** {@code UC_HOOK_INSN_INVALID}: return {@code true} to continue, {@code false} to stop. */
  @FunctionalInterface
  public interface InvalidInstructionHook {
    boolean onInvalidInstruction() throws Exception;
  }

  /** A memory-mapped device ({@code uc_mmio_map}); offsets are relative to the mapped base. */
  public interface MmioHandler {
    long read(long offset, int size) throws Exception;

    void write(long offset, int size, long value) throws Exception;
  }
}
