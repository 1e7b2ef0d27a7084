package org.efiemu.core.machine;

/**
 * A device behind a range of x86 I/O ports, attached with {@link Machine#attachIoPorts}: the machine's {@code IN} and
 * {@code OUT} hooks (Unicorn {@code UC_HOOK_INSN} for {@code UC_X86_INS_IN/OUT}) hand it every access to its ports.
 * Called on the emulating thread; a device may call {@link Machine#requestStop(String)} to end the run.
 */
public interface IoPortDevice {
    /** {@code IN} of {@code size} bytes (1, 2 or 4) from {@code port}; the value the guest reads. */
    int in(int port, int size);

    /** {@code OUT} of {@code size} bytes (1, 2 or 4) of {@code value} to {@code port}. */
    void out(int port, int size, int value);
}
