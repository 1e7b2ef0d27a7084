package org.efiemu.uefi.handle;

import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * One entry of a real firmware's open list as OpenProtocolInformation (UEFI 2.10 §7.3.11) gave it when BDS started an
 * application (the firmware-probe's {@code open:} lines): which image (AgentHandle) opened which protocol on which
 * handle, for which controller, with which attributes (§7.3.9: BY_HANDLE_PROTOCOL 0x1, GET_PROTOCOL 0x2,
 * TEST_PROTOCOL 0x4, BY_CHILD_CONTROLLER 0x8, BY_DRIVER 0x10, EXCLUSIVE 0x20) and how many times (OpenCount).
 * Handles are indexes into the captured handle list.
 *
 * @param handle the handle the protocol is on
 * @param protocol the protocol
 * @param agent AgentHandle
 * @param controller ControllerHandle, -1 for NULL
 * @param attributes Attributes
 * @param count OpenCount, 1 or more
 */
public record CapturedOpen(int handle, Guid protocol, int agent, int controller, int attributes, int count) {
    public CapturedOpen {
        Objects.requireNonNull(protocol, "protocol");
        if (handle < 0 || agent < 0 || controller < -1) {
            throw new IllegalArgumentException("handle " + handle + " agent " + agent + " controller " + controller
                    + ": expected handle indexes (controller -1 for NULL)");
        }
        if (!OpenAttributes.isValid(attributes)) {
            throw new IllegalArgumentException("attributes 0x" + Integer.toHexString(attributes)
                    + ": expected one of the combinations of UEFI 2.10 §7.3.9 (0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x30)");
        }
        if (count < 1) {
            throw new IllegalArgumentException("open count " + count + ": expected 1 or more");
        }
    }
}
