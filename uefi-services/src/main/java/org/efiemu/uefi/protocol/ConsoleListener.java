package org.efiemu.uefi.protocol;

/** Receives console text as the guest produces it (runs on the emulation thread). */
@FunctionalInterface
public interface ConsoleListener {
    /** Where console text came from. */
    enum Source {
        /** {@code ST->ConOut->OutputString}. */
        CON_OUT,
        /** {@code ST->StdErr->OutputString}. */
        STD_ERR,
        /** COM1 (I/O port 0x3F8), typically after ExitBootServices. */
        SERIAL
    }

    void text(Source source, String text);
}
