package org.efiemu.uefi.image;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.efiemu.core.memory.GuestMemory;

/**
 * The images in one machine, for describing guest addresses as {@code image+offset}: those the firmware loaded (the
 * payload, LoadImage's children) and, once {@link #discoverIn} gave it the guest memory, those found by their PE
 * header when an address lies in no known image ({@link PeHeaderScanner}: images a loader copied and relocated
 * itself, without LoadImage), then by a Multiboot2 header ({@link Multiboot2HeaderScanner}: a kernel a boot loader placed
 * with multiboot2, e.g. Xen loaded by GRUB, named {@code multiboot2@0xBASE}).
 */
public final class ImageRegistry {
    private final List<LoadedImage> images = new ArrayList<>();
    private final List<FoundImage> found = new ArrayList<>();
    /** Pages already scanned without finding an image, cleared when the set of images changes. */
    private final Set<Long> misses = new HashSet<>();
    private GuestMemory memory;
    private java.util.function.Function<FoundImage, Optional<String>> namer;

    /**
     * {@link #describeCallSite} of addresses inside a loaded image, which depend only on that image (its name, base,
     * symbols and lines): a run calls services from the same few sites over and over. Cleared when an image is added
     * (the first image containing an address may then be another); never holds a description of found images, which
     * depend on guest memory.
     */
    private final Map<Long, String> loadedCallSites = new HashMap<>();

    public void add(LoadedImage image) {
        images.add(image);
        found.removeIf(f -> f.base() == image.base());
        misses.clear();
        loadedCallSites.clear();
    }

    /** Lets {@link #describe} look for PE headers in {@code memory} around addresses no known image contains. */
    public void discoverIn(GuestMemory memory) {
        this.memory = memory;
    }

    /**
     * Lets an image found by its PE header without a CodeView name be named by {@code namer} (e.g.
     * {@link OpenedFileNames}: the file a loader copied it from) instead of {@code image@0xBASE}.
     */
    public void nameFoundBy(java.util.function.Function<FoundImage, Optional<String>> namer) {
        this.namer = namer;
    }

    public List<LoadedImage> images() {
        return List.copyOf(images);
    }

    /** The images found by their PE header in memory, in the order they were found. */
    public List<FoundImage> found() {
        return List.copyOf(found);
    }

    public Optional<LoadedImage> imageAt(long address) {
        for (LoadedImage i : images) { // a loop, not a stream: every new call site of every machine asks
            if (i.contains(address)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /**
     * The image found in memory that contains {@code address}: one found before, else (when discovery is on) one
     * whose PE header a backward scan finds now, which is then remembered.
     */
    public Optional<FoundImage> foundAt(long address) {
        for (FoundImage f : found) {
            if (f.contains(address)) {
                return Optional.of(f);
            }
        }
        if (memory == null || misses.contains(address >>> 12)) {
            return Optional.empty();
        }
        Optional<FoundImage> f = PeHeaderScanner.find(memory, address);
        if (f.isPresent() && namer != null && f.get().name().startsWith("image@")) {
            FoundImage p = f.get();
            f = Optional.of(namer.apply(p).map(n -> new FoundImage(n, p.base(), p.size(), p.entryPoint())).orElse(p));
        }
        if (f.isEmpty()) {
            // a kernel placed by multiboot2 (Xen by GRUB): no PE header; its end may be known only up to here, so
            // a later find of the same header replaces the earlier, shorter one
            f = Multiboot2HeaderScanner.find(memory, address);
            f.ifPresent(m -> found.removeIf(o -> o.base() == m.base() && o.header().equals(m.header())));
        }
        if (f.isPresent()) {
            found.add(f.get());
        } else {
            misses.add(address >>> 12);
        }
        return f;
    }

    /**
     * {@code name.efi+0x1A2B} inside a loaded image, followed by the function ({@code name.efi+0x1A2B <efi_main+0x12>})
     * where the image keeps a COFF symbol table; {@code image@0x7CA00000+0x1A2B} (or the CodeView name) inside an
     * image found by its PE header; else {@code 0x7F000000}.
     */
    public String describe(long address) {
        Optional<LoadedImage> loaded = imageAt(address);
        if (loaded.isPresent()) {
            return loaded.get().describeWithSymbol(address);
        }
        return foundAt(address).map(f -> f.describe(address))
                .orElse("0x" + Long.toHexString(address).toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * A service's call site given by its return address: as {@link #describe}, with the source line of the call
     * instruction where the image carries DWARF line information ({@link LoadedImage#describeCallSite}).
     */
    public String describeCallSite(long returnAddress) {
        String known = loadedCallSites.get(returnAddress);
        if (known != null) {
            return known;
        }
        Optional<LoadedImage> loaded = imageAt(returnAddress);
        if (loaded.isEmpty()) {
            return describe(returnAddress);
        }
        String site = loaded.get().describeCallSite(returnAddress);
        if (loadedCallSites.size() < MAX_CALL_SITES) {
            loadedCallSites.put(returnAddress, site);
        }
        return site;
    }

    /** Call sites {@link #describeCallSite} remembers at most (a guest calling from everywhere keeps no more). */
    private static final int MAX_CALL_SITES = 4096;
}
