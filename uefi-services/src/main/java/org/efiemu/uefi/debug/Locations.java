package org.efiemu.uefi.debug;

import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.image.LoadedImage;

/** Code locations as the debugger reads them: {@code 0x1A2B} (absolute) or {@code image.efi+0x1A2B}. */
public final class Locations {
    private Locations() {}

    /**
     * Resolves {@code text} against the loaded images; throws naming the text and what was expected (the image
     * names, an offset inside the image) otherwise.
     */
    public static long resolve(ImageRegistry images, String text) {
        String t = text.trim();
        int plus = t.lastIndexOf('+');
        if (plus < 0) return Values.parseNumber(t, "address");
        String name = t.substring(0, plus);
        long offset = Values.parseNumber(t.substring(plus + 1), "offset in '" + t + "'");
        LoadedImage image = images.images().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("location '" + t + "': no image named '" + name
                        + "'; loaded: " + images.images().stream().map(LoadedImage::name).toList()));
        if (offset >= image.size()) {
            throw new IllegalArgumentException(String.format("location '%s': offset 0x%X is past the end of %s "
                    + "(0x%X bytes)", t, offset, name, image.size()));
        }
        return image.base() + offset;
    }
}
