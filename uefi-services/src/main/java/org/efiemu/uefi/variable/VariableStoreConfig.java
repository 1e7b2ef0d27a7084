package org.efiemu.uefi.variable;

/**
 * Sizes of the variable stores (EDK2 PCDs of {@code MdeModulePkg/Universal/Variable/RuntimeDxe}).
 *
 * @param nonVolatileStoreSize     size of the NV store including its 28-byte {@code VARIABLE_STORE_HEADER}
 *                                 ({@code PcdFlashNvStorageVariableSize})
 * @param volatileStoreSize        size of the volatile store including its header ({@code PcdVariableStoreSize})
 * @param maxVariableSize          largest NV variable, header + name + data ({@code PcdMaxVariableSize})
 * @param maxVolatileVariableSize  largest volatile variable ({@code PcdMaxVolatileVariableSize})
 * @param variableHeaderSize       bytes of one variable's header in the store: 32 ({@code VARIABLE_HEADER}) or 60
 *                                 ({@code AUTHENTICATED_VARIABLE_HEADER}, a store with {@code AuthVariableLib})
 * @param authenticated            the store keeps time-based authenticated variables (OVMF links
 *                                 {@code AuthVariableLib}): seeded {@code EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS}
 *                                 variables are kept and QueryVariableInfo answers for that bit
 */
public record VariableStoreConfig(long nonVolatileStoreSize, long volatileStoreSize, long maxVariableSize,
        long maxVolatileVariableSize, int variableHeaderSize, boolean authenticated) {

    /** {@code sizeof (VARIABLE_STORE_HEADER)}. */
    public static final int STORE_HEADER_SIZE = 28;
    /** {@code sizeof (VARIABLE_HEADER)} in the non-authenticated format. */
    public static final int VARIABLE_HEADER_SIZE = 32;
    /** {@code sizeof (AUTHENTICATED_VARIABLE_HEADER)}. */
    public static final int AUTHENTICATED_VARIABLE_HEADER_SIZE = 60;

    public VariableStoreConfig {
        if (variableHeaderSize != VARIABLE_HEADER_SIZE && variableHeaderSize != AUTHENTICATED_VARIABLE_HEADER_SIZE) {
            throw new IllegalArgumentException("VariableStoreConfig.variableHeaderSize = " + variableHeaderSize
                    + ": expected 32 (VARIABLE_HEADER) or 60 (AUTHENTICATED_VARIABLE_HEADER)");
        }
        check("nonVolatileStoreSize", nonVolatileStoreSize, STORE_HEADER_SIZE);
        check("volatileStoreSize", volatileStoreSize, STORE_HEADER_SIZE);
        check("maxVariableSize", maxVariableSize, variableHeaderSize);
        check("maxVolatileVariableSize", maxVolatileVariableSize, variableHeaderSize);
    }

    /** A store in the non-authenticated format (32-byte headers, no authenticated variables). */
    public VariableStoreConfig(long nonVolatileStoreSize, long volatileStoreSize, long maxVariableSize,
            long maxVolatileVariableSize) {
        this(nonVolatileStoreSize, volatileStoreSize, maxVariableSize, maxVolatileVariableSize, VARIABLE_HEADER_SIZE,
                false);
    }

    private static void check(String name, long value, long min) {
        if (value <= min) {
            throw new IllegalArgumentException("VariableStoreConfig." + name + " = " + value + ": expected > " + min);
        }
    }

    /** A small non-authenticated store: 256 KiB NV, 64 KiB volatile, 8 KiB per variable (the model's tests). */
    public static VariableStoreConfig small() {
        return new VariableStoreConfig(0x40000, 0x10000, 0x2000, 0x2000);
    }

    /**
     * Debian OVMF 2022.11 ({@code OVMF_CODE_4M.fd}) as its QueryVariableInfo reports at BDS start
     * (org/efiemu/platform/captures/ovmf-q35-2g.firmware.txt): authenticated format (60-byte headers); the NV store
     * is the 256 KiB flash block less its 0x48-byte firmware volume header (QueryVariableInfo: maximum storage
     * 0x3FF9C = 0x3FFB8 - 28), {@code PcdMaxVariableSize} 0x8400 (largest NV variable's name + data 0x83C4),
     * {@code PcdVariableStoreSize} 0x80000 (volatile maximum storage 0x7FFE4), {@code PcdMaxVolatileVariableSize}
     * 0x40000 (0x3FFC4).
     */
    public static VariableStoreConfig ovmf() {
        return new VariableStoreConfig(0x3FFB8, 0x80000, 0x8400, 0x40000, AUTHENTICATED_VARIABLE_HEADER_SIZE, true);
    }
}
