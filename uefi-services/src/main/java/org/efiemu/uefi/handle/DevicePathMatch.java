package org.efiemu.uefi.handle;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * Result of {@code LocateDevicePath()} (UEFI 2.10 §7.3.8).
 *
 * @param handle        the device handle whose device path is the longest prefix of the given path
 * @param consumedBytes how far to advance the caller's {@code *DevicePath}: the matched prefix length in bytes
 */
public record DevicePathMatch(EfiStatus status, long handle, int consumedBytes) {
}
