package org.efiemu.uefi.handle;

/**
 * Reads the device path an {@code EFI_DEVICE_PATH_PROTOCOL} interface pointer designates, as bytes up to and
 * including the End node. The ABI layer reads guest memory; tests use a map.
 */
@FunctionalInterface
public interface DevicePathReader {
    /** The device path bytes at {@code interfacePointer}, or null when nothing readable is there. */
    byte[] read(long interfacePointer);
}
