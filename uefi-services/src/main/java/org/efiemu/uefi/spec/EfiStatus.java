package org.efiemu.uefi.spec;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code EFI_STATUS} codes (UEFI 2.10 Appendix D, "Status Codes"), with their spec names.
 *
 * <p>Error codes have the high bit set ({@code EFIERR(n) = 0x8000000000000000 | n}); warnings do not.
 * {@link #toString()} gives the spec name, e.g. {@code EFI_NOT_FOUND}, so traces can be grepped against
 * the spec and EDK2 debug output.
 */
public enum EfiStatus {
    SUCCESS(0),
    // warnings (Appendix D, table D-2)
    WARN_UNKNOWN_GLYPH(1),
    WARN_DELETE_FAILURE(2),
    WARN_WRITE_FAILURE(3),
    WARN_BUFFER_TOO_SMALL(4),
    WARN_STALE_DATA(5),
    WARN_FILE_SYSTEM(6),
    WARN_RESET_REQUIRED(7),
    // errors (Appendix D, table D-3)
    LOAD_ERROR(err(1)),
    INVALID_PARAMETER(err(2)),
    UNSUPPORTED(err(3)),
    BAD_BUFFER_SIZE(err(4)),
    BUFFER_TOO_SMALL(err(5)),
    NOT_READY(err(6)),
    DEVICE_ERROR(err(7)),
    WRITE_PROTECTED(err(8)),
    OUT_OF_RESOURCES(err(9)),
    VOLUME_CORRUPTED(err(10)),
    VOLUME_FULL(err(11)),
    NO_MEDIA(err(12)),
    MEDIA_CHANGED(err(13)),
    NOT_FOUND(err(14)),
    ACCESS_DENIED(err(15)),
    NO_RESPONSE(err(16)),
    NO_MAPPING(err(17)),
    TIMEOUT(err(18)),
    NOT_STARTED(err(19)),
    ALREADY_STARTED(err(20)),
    ABORTED(err(21)),
    ICMP_ERROR(err(22)),
    TFTP_ERROR(err(23)),
    PROTOCOL_ERROR(err(24)),
    INCOMPATIBLE_VERSION(err(25)),
    SECURITY_VIOLATION(err(26)),
    CRC_ERROR(err(27)),
    END_OF_MEDIA(err(28)),
    END_OF_FILE(err(31)),
    INVALID_LANGUAGE(err(32)),
    COMPROMISED_DATA(err(33)),
    IP_ADDRESS_CONFLICT(err(34)),
    HTTP_ERROR(err(35)),
    /** EDK2's {@code EFI_NOT_AVAILABLE_YET} (PI spec), returned by services not yet installed. */
    NOT_AVAILABLE_YET(err(0x20000000L | 0)) {
        @Override
        public String specName() {
            return "EFI_NOT_AVAILABLE_YET";
        }
    };

    /** The high bit that marks an error code on a 64-bit machine. */
    public static final long ERROR_BIT = 0x8000_0000_0000_0000L;

    private static final Map<Long, EfiStatus> BY_CODE = new HashMap<>();

    static {
        for (EfiStatus s : values()) {
            BY_CODE.put(s.code, s);
        }
    }

    private final long code;

    EfiStatus(long code) {
        this.code = code;
    }

    private static long err(long n) {
        return ERROR_BIT | n;
    }

    /** The 64-bit value a service returns in RAX. */
    public long code() {
        return code;
    }

    public boolean isError() {
        return (code & ERROR_BIT) != 0;
    }

    /** The spec's name, e.g. {@code EFI_BUFFER_TOO_SMALL}. */
    public String specName() {
        return "EFI_" + name();
    }

    /** The status for a raw code, or empty when the code is not a known status. */
    public static java.util.Optional<EfiStatus> of(long code) {
        return java.util.Optional.ofNullable(BY_CODE.get(code));
    }

    /** The spec name of a raw code, or its hex value when unknown (e.g. an OEM status). */
    public static String nameOf(long code) {
        EfiStatus s = BY_CODE.get(code);
        return s != null ? s.specName() : String.format("0x%X", code);
    }

    @Override
    public String toString() {
        return specName();
    }
}
