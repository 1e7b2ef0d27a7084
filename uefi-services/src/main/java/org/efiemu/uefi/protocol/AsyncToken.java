package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;

import java.util.function.BiFunction;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Finishing a non-blocking request of EFI_BLOCK_IO2_PROTOCOL or EFI_DISK_IO2_PROTOCOL at once (UEFI 2.10 §13.10,
 * §13.8): the request is done inside the call, so with a token whose {@code Event} is set, its
 * {@code TransactionStatus} is written and the event signalled, as firmware does later from a timer tick. A request
 * the call refused (any status but EFI_SUCCESS) never reaches the token.
 */
final class AsyncToken {
    private AsyncToken() {}

    /**
     * @param signal signals an event from within a service call (its notify function may run guest code)
     * @return {@code s}, or EFI_INVALID_PARAMETER when the token's event could not be signalled
     */
    static EfiStatus complete(GuestMemory memory, BiFunction<ServiceCall, Long, EfiStatus> signal, ServiceCall c,
            long token, EfiStatus s) {
        if (token == 0 || s != EfiStatus.SUCCESS) {
            return s;
        }
        long event = memory.u64(token);
        if (event == 0) {
            return s;
        }
        memory.putU64(token + 8, s.code());
        c.output("Token->Event " + hex(event) + " signalled");
        return signal.apply(c, event) == EfiStatus.SUCCESS ? s : EfiStatus.INVALID_PARAMETER;
    }
}
