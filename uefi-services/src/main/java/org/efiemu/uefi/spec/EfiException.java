package org.efiemu.uefi.spec;

import java.util.Objects;

/**
 * A typed firmware operation failed with a UEFI status (UEFI 2.10 Appendix D). The ABI layer turns it into the
 * {@code EFI_STATUS} a guest sees in RAX; the message names the call with its arguments and the rule that
 * produced the status, e.g. {@code AllocatePages(AllocateAddress, EfiLoaderData, 1, 0x2234) = EFI_NOT_FOUND:
 * address is not 4 KiB aligned}.
 */
public class EfiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final EfiStatus status;

    public EfiException(EfiStatus status, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.status = Objects.requireNonNull(status, "status");
    }

    /** The status the service returns. */
    public EfiStatus status() {
        return status;
    }
}
