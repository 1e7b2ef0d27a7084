package org.efiemu.uefi.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The images loaded in one machine, for describing guest addresses as {@code image+offset}. */
public final class ImageRegistry {
    private final List<LoadedImage> images = new ArrayList<>();

    public void add(LoadedImage image) {
        images.add(image);
    }

    public List<LoadedImage> images() {
        return List.copyOf(images);
    }

    public Optional<LoadedImage> imageAt(long address) {
        return images.stream().filter(i -> i.contains(address)).findFirst();
    }

    /**
     * {@code name.efi+0x1A2B} inside an image, followed by the function ({@code name.efi+0x1A2B <efi_main+0x12>})
     * where the image keeps a COFF symbol table; else {@code 0x7F000000}.
     */
    public String describe(long address) {
        return imageAt(address).map(i -> i.describeWithSymbol(address))
                .orElse("0x" + Long.toHexString(address).toUpperCase(java.util.Locale.ROOT));
    }
}
