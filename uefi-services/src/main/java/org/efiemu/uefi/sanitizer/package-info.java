/**
 * The memory-ownership sanitizer: {@link org.efiemu.uefi.sanitizer.MemorySanitizer#attach} a machine before
 * {@code run()}, read {@link org.efiemu.uefi.sanitizer.SanitizerReport} after it. Guest writes to memory the
 * application does not own become {@link org.efiemu.uefi.sanitizer.SanitizerFinding}s (firmware corruption or
 * unallocated use, UEFI 2.10 §7.2), aggregated per kind, owner, contiguous range and RIP. Page protections, not store
 * hooks, so clean runs stay fast.
 */
package org.efiemu.uefi.sanitizer;
