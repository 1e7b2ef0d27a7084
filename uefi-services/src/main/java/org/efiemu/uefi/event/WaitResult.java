package org.efiemu.uefi.event;

import java.util.OptionalLong;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Outcome of one {@code WaitForEvent()} attempt (UEFI 2.10 §7.1.7).
 *
 * @param blocked      true when no event was ready: the ABI layer advances the virtual clock (to
 *                     {@code nextDeadline} if present) and tries again; {@code status} is then {@code EFI_NOT_READY}
 * @param index        the {@code *Index} OUT value when not blocked (the event that ended the wait)
 * @param nextDeadline the earliest pending timer's trigger time in 100 ns units, if any timer is armed
 */
public record WaitResult(EfiStatus status, long index, boolean blocked, OptionalLong nextDeadline) {
}
