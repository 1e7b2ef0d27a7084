package org.efiemu.uefi.handle;

/**
 * One {@code EFI_OPEN_PROTOCOL_INFORMATION_ENTRY} (UEFI 2.10 §7.3.11): who opened a protocol interface, for which
 * controller, with which attributes and how many times.
 */
public record OpenProtocolEntry(long agentHandle, long controllerHandle, int attributes, int openCount) {

    /** Size of the C structure: two handles, UINT32 attributes, UINT32 open count. */
    public static final int SIZE = 24;

    @Override
    public String toString() {
        return String.format("{Agent=0x%X, Controller=0x%X, %s, OpenCount=%d}", agentHandle, controllerHandle,
                OpenAttributes.nameOf(attributes), openCount);
    }
}
