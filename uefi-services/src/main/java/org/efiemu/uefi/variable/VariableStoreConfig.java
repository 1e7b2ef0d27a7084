package org.efiemu.uefi.variable;

/**
 * Sizes of the variable stores (EDK2 PCDs of {@code MdeModulePkg/Universal/Variable/RuntimeDxe}).
 *
 * @param nonVolatileStoreSize     size of the NV store including its 28-byte {@code VARIABLE_STORE_HEADER}
 *                                 ({@code PcdFlashNvStorageVariableSize})
 * @param volatileStoreSize        size of the volatile store including its header ({@code PcdVariableStoreSize})
 * @param maxVariableSize          largest NV variable, header + name + data ({@code PcdMaxVariableSize})
 * @param maxVolatileVariableSize  largest volatile variable ({@code PcdMaxVolatileVariableSize})
 */
public record VariableStoreConfig(long nonVolatileStoreSize, long volatileStoreSize, long maxVariableSize,
        long maxVolatileVariableSize) {

    /** {@code sizeof (VARIABLE_STORE_HEADER)}. */
    public static final int STORE_HEADER_SIZE = 28;
    /** {@code sizeof (VARIABLE_HEADER)} in the non-authenticated format. */
    public static final int VARIABLE_HEADER_SIZE = 32;

    public VariableStoreConfig {
        check("nonVolatileStoreSize", nonVolatileStoreSize, STORE_HEADER_SIZE);
        check("volatileStoreSize", volatileStoreSize, STORE_HEADER_SIZE);
        check("maxVariableSize", maxVariableSize, VARIABLE_HEADER_SIZE);
        check("maxVolatileVariableSize", maxVolatileVariableSize, VARIABLE_HEADER_SIZE);
    }

    private static void check(String name, long value, long min) {
        if (value <= min) {
            throw new IllegalArgumentException("VariableStoreConfig." + name + " = " + value + ": expected > " + min);
        }
    }

    /** OVMF's values: 256 KiB NV store, 64 KiB volatile store, 8 KiB per NV variable, 8 KiB per volatile one. */
    public static VariableStoreConfig ovmf() {
        return new VariableStoreConfig(0x40000, 0x10000, 0x2000, 0x2000);
    }
}
