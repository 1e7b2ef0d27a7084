package org.efiemu.uefi.memory;

/** The Boot Service behind an allocation (UEFI 2.10 §7.2), spelled as the spec does. */
public enum AllocationService {
    AllocatePages,
    AllocatePool
}
