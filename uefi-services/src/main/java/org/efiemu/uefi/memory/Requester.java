package org.efiemu.uefi.memory;

/** Who asked the memory model for memory: the firmware itself (drivers, the DXE core) or the application under test. */
public enum Requester {
    FIRMWARE,
    APPLICATION
}
