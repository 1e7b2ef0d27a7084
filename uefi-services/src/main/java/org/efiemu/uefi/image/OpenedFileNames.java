package org.efiemu.uefi.image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.TraceListener;

/**
 * Names an image found by its PE header after the file it was copied from: a loader that reads a file through
 * EFI_FILE_PROTOCOL and loads it with its own PE loader (shim's loader starting grubx64.efi: UEFI 2.10 §13.5 Open, then
 * no LoadImage) copies the file's headers first, so the found image's first bytes are the first bytes of one of the
 * files the guest opened. Remembers, from the service trace, the paths every successful {@code File.Open} named and
 * compares the found image's headers with those files' first bytes, the latest opened first. Listens on one
 * machine's trace; not thread-safe.
 */
public final class OpenedFileNames implements TraceListener {
    /** How many header bytes must match: the DOS header, the PE signature, the file and optional headers. */
    static final int HEADER_BYTES = 0x200;

    private final GuestMemory memory;
    private final Function<String, Optional<byte[]>> files;
    private final List<String> opened = new ArrayList<>();

    /**
     * @param memory the guest memory the images were found in
     * @param files the bytes of a file by its path, as the guest named it ({@code \EFI\debian\grubx64.efi})
     */
    public OpenedFileNames(GuestMemory memory, Function<String, Optional<byte[]>> files) {
        this.memory = memory;
        this.files = files;
    }

    @Override
    public void onCall(ServiceCallEvent e) {
        if (e.service().equals("File.Open") && e.status().equals("EFI_SUCCESS") && e.arguments().size() > 2) {
            String path = unquote(e.arguments().get(2));
            if (!path.isEmpty() && !opened.contains(path)) {
                opened.add(path);
            }
        }
    }

    /** The file name of the opened file whose first bytes are the found image's headers, if one is. */
    public Optional<String> nameOf(FoundImage image) {
        int n = (int) Math.min(HEADER_BYTES, image.size());
        if (!memory.isRam(image.base(), n)) {
            return Optional.empty();
        }
        byte[] header = memory.read(image.base(), n);
        for (int i = opened.size() - 1; i >= 0; i--) {
            String path = opened.get(i);
            Optional<byte[]> bytes = files.apply(path);
            if (bytes.isPresent() && bytes.get().length >= n && Arrays.equals(bytes.get(), 0, n, header, 0, n)) {
                return Optional.of(path.substring(path.lastIndexOf('\\') + 1));
            }
        }
        return Optional.empty();
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
