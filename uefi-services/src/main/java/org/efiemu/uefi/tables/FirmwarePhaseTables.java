package org.efiemu.uefi.tables;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small configuration tables whose content records what a firmware's earlier phases did, built as efiemu's firmware
 * (which ran no PEI or DXE drivers and verified no image) would leave them:
 * <ul>
 * <li>the memory status code table (EDK2 {@code StatusCodeHandlerRuntimeDxe}, {@code gMemoryStatusCodeRecordGuid}):
 * {@code RUNTIME_MEMORY_STATUSCODE_HEADER} {RecordIndex, NumberOfRecords, MaxRecordsNumber} then a ring of
 * MaxRecordsNumber 12-byte {@code MEMORY_STATUSCODE_RECORD}s (CodeType, Value, Instance). OVMF 2022.11 has a 1 KiB ring,
 * 85 records (captures: {@code cfg-data: status-code header 46000000f000000055000000...}: 240 codes reported, the
 * next at index 70 = 240 mod 85); efiemu's ring is as large and empty;
 * <li>the image execution information table (UEFI 2.10 §32.5.3.1, {@code EFI_IMAGE_EXECUTION_INFO_TABLE}): UINTN
 * NumberOfImages then the entries; OVMF without Secure Boot has none (the capture's {@code images=0}), nor has efiemu.
 * </ul>
 */
public final class FirmwarePhaseTables {
    /** OVMF's PcdStatusCodeMemorySize (1 KiB) in 12-byte records. */
    public static final int STATUS_CODE_RECORDS = 85;
    public static final int STATUS_CODE_HEADER_SIZE = 12;
    public static final int STATUS_CODE_RECORD_SIZE = 12;

    private FirmwarePhaseTables() {}

    /** The memory status code table with no record reported. */
    public static byte[] memoryStatusCode() {
        ByteBuffer b = ByteBuffer.allocate(STATUS_CODE_HEADER_SIZE + STATUS_CODE_RECORD_SIZE * STATUS_CODE_RECORDS)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(0).putInt(STATUS_CODE_RECORDS);
        return b.array();
    }

    /** The image execution information table with no image. */
    public static byte[] imageExecutionInfo() {
        return new byte[8];
    }
}
