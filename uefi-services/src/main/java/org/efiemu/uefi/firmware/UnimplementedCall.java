package org.efiemu.uefi.firmware;

/**
 * A call of a service slot the emulator does not implement; it returned {@code EFI_UNSUPPORTED}.
 *
 * @param service spec name of the slot, e.g. {@code ConnectController}
 * @param callerRip return address of the call
 * @param caller {@code callerRip} described (image-relative when inside a loaded image)
 */
public record UnimplementedCall(String service, long callerRip, String caller) {
    @Override
    public String toString() {
        return service + " from " + caller;
    }
}
