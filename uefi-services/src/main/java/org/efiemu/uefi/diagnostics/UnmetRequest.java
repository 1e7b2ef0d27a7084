package org.efiemu.uefi.diagnostics;

/**
 * Something the guest asked the firmware for and did not get, from one call site: the first call and how many times
 * it was asked there.
 *
 * @param kind what was missing
 * @param service the service that said no, e.g. {@code LocateProtocol}
 * @param what the thing asked for: {@code EFI_TCG2_PROTOCOL_GUID {607F766C-...}}, {@code "Boot0001" of
 *     EFI_GLOBAL_VARIABLE {...}}, a file name
 * @param status the EFI_STATUS it returned
 * @param caller the call site, {@code image+0xOFFSET} (also for images found by their PE header), else a hex address
 * @param callerRip the raw return address of the first call
 * @param firstSequence the trace sequence number of the first such call
 * @param count how many calls from this site asked for it
 */
public record UnmetRequest(Kind kind, String service, String what, String status, String caller, long callerRip,
        long firstSequence, int count) {

    /** What kind of thing was missing. */
    public enum Kind {
        /** A Boot or Runtime Services slot (or protocol function) efiemu does not implement: EFI_UNSUPPORTED. */
        UNIMPLEMENTED_SERVICE("service not implemented by efiemu"),
        /** A protocol no handle has (LocateProtocol, LocateHandle(Buffer), LocateDevicePath, HandleProtocol...). */
        PROTOCOL_NOT_FOUND("protocol no handle has"),
        /** A protocol the handle asked about does not have, although another handle has it. */
        PROTOCOL_NOT_ON_HANDLE("protocol not on the handle asked"),
        /** GetVariable of a variable that is not in the store: EFI_NOT_FOUND (UEFI 2.10 §8.2.1). */
        VARIABLE_NOT_FOUND("variable not present"),
        /** EFI_FILE_PROTOCOL.Open or LoadImage of a path that does not exist: EFI_NOT_FOUND. */
        FILE_NOT_FOUND("file not found");

        private final String title;

        Kind(String title) {
            this.title = title;
        }

        public String title() {
            return title;
        }
    }

    UnmetRequest again() {
        return new UnmetRequest(kind, service, what, status, caller, callerRip, firstSequence, count + 1);
    }

    /** E.g. {@code protocol no handle has: EFI_TCG2_PROTOCOL_GUID {...}: LocateProtocol = EFI_NOT_FOUND from grubx64.efi+0x1A2B (#12, 3 calls)}. */
    @Override
    public String toString() {
        return String.format("%s: %s: %s = %s from %s (#%d%s)", kind.title(), what, service, status, caller,
                firstSequence, count > 1 ? ", " + count + " calls" : "");
    }
}
