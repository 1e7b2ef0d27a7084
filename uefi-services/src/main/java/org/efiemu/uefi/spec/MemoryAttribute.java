package org.efiemu.uefi.spec;

/** {@code EFI_MEMORY_*} attribute bits of a memory descriptor (UEFI 2.10 §7.2, {@code GetMemoryMap()}). */
public final class MemoryAttribute {
    public static final long UC = 0x1L;
    public static final long WC = 0x2L;
    public static final long WT = 0x4L;
    public static final long WB = 0x8L;
    public static final long UCE = 0x10L;
    public static final long WP = 0x1000L;
    public static final long RP = 0x2000L;
    public static final long XP = 0x4000L;
    public static final long NV = 0x8000L;
    public static final long MORE_RELIABLE = 0x10000L;
    public static final long RO = 0x20000L;
    public static final long SP = 0x40000L;
    public static final long CPU_CRYPTO = 0x80000L;
    public static final long HOT_PLUGGABLE = 0x100000L;
    public static final long RUNTIME = 0x8000_0000_0000_0000L;

    /** What EDK2 reports for ordinary RAM: UC|WC|WT|WB. */
    public static final long RAM_DEFAULT = UC | WC | WT | WB;

    private MemoryAttribute() {}
}
