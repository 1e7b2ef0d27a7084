package org.efiemu.uefi.debug;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.image.LoadedImage;

/**
 * Code locations as the debugger reads them: {@code 0x1A2B} (absolute), {@code image.efi+0x1A2B}, or a function of an
 * image's COFF symbol table: {@code efi_main}, {@code efi_main+0x10}, {@code image.efi:efi_main}; or a source line of
 * an image's DWARF line table ({@code gcc -g}): {@code main.c:42}.
 */
public final class Locations {
    private Locations() {}

    /**
     * Resolves {@code text} against the loaded images; throws naming the text and what was expected (the image
     * names, an offset inside the image, the nearest function name) otherwise.
     */
    public static long resolve(ImageRegistry images, String text) {
        // a location copied from `where` or a trace may carry the function after it: "x.efi+0x1A2B <efi_main+0x12>"
        String t = text.trim().replaceFirst("\\s*<[^<>]*>$", "");
        int colon = t.indexOf(':');
        if (colon >= 0 && isSourceLine(images, t, colon)) {
            return sourceLine(images, t, t.substring(0, colon).trim(), t.substring(colon + 1).trim());
        }
        if (colon >= 0) {
            LoadedImage image = image(images, t, t.substring(0, colon));
            return function(List.of(image), t, t.substring(colon + 1));
        }
        int plus = t.lastIndexOf('+');
        if (plus < 0) {
            if (!t.isEmpty() && Character.isDigit(t.charAt(0))) return Values.parseNumber(t, "address");
            return function(images.images(), t, t);
        }
        String name = t.substring(0, plus);
        if (images.images().stream().noneMatch(i -> i.name().equals(name))
                && images.images().stream().anyMatch(i -> i.addressOf(name).isPresent())) {
            return function(images.images(), t, t);
        }
        long offset = Values.parseNumber(t.substring(plus + 1), "offset in '" + t + "'");
        LoadedImage image = image(images, t, name);
        if (offset >= image.size()) {
            throw new IllegalArgumentException(String.format("location '%s': offset 0x%X is past the end of %s "
                    + "(0x%X bytes)", t, offset, name, image.size()));
        }
        return image.base() + offset;
    }

    /** {@code FILE:LINE} where FILE is no image's name and LINE a decimal number. */
    private static boolean isSourceLine(ImageRegistry images, String t, int colon) {
        String file = t.substring(0, colon).trim();
        String line = t.substring(colon + 1).trim();
        return !line.isEmpty() && line.chars().allMatch(Character::isDigit)
                && images.images().stream().noneMatch(i -> i.name().equals(file));
    }

    /**
     * The first statement of {@code file:line} (or of the next line with code) in the first image whose DWARF line
     * table has that file.
     */
    private static long sourceLine(ImageRegistry images, String t, String file, String lineText) {
        long line;
        try {
            line = Long.parseLong(lineText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("location '" + t + "': line '" + lineText + "' is not a number");
        }
        List<String> files = new ArrayList<>();
        for (LoadedImage i : images.images()) {
            var table = i.pe().lines();
            if (table.hasFile(file)) {
                var row = table.firstRowOf(file, line);
                if (row.isEmpty()) {
                    throw new IllegalArgumentException(String.format("location '%s': %s has no code at or after line"
                            + " %d in %s", t, file, line, i.name()));
                }
                return i.base() + row.get().rva();
            }
            table.files().forEach(f -> files.add(org.efiemu.core.dwarf.SourceLine.fileNameOf(f)));
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("location '" + t + "': expected IMAGE:FUNCTION or FILE:LINE; "
                    + images.images().stream().map(LoadedImage::name).toList() + " carry no DWARF line table"
                    + " (build with gcc -g)");
        }
        throw new IllegalArgumentException("location '" + t + "': no source file named '" + file + "' in "
                + images.images().stream().map(LoadedImage::name).toList()
                + org.efiemu.core.util.NearestName.hint(file, files));
    }

    /** Whether {@code name} is a function of some loaded image's symbol table. */
    public static boolean isFunction(ImageRegistry images, String name) {
        return images.images().stream().anyMatch(i -> i.addressOf(name).isPresent());
    }

    private static LoadedImage image(ImageRegistry images, String t, String name) {
        return images.images().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("location '" + t + "': no image named '" + name
                        + "'; loaded: " + images.images().stream().map(LoadedImage::name).toList()));
    }

    /** {@code function} or {@code function+OFFSET} in the first of {@code in} whose symbol table has it. */
    private static long function(List<LoadedImage> in, String t, String spec) {
        int plus = spec.indexOf('+');
        String fn = (plus < 0 ? spec : spec.substring(0, plus)).trim();
        long offset = plus < 0 ? 0 : Values.parseNumber(spec.substring(plus + 1).trim(), "offset in '" + t + "'");
        List<String> known = new ArrayList<>();
        for (LoadedImage i : in) {
            var a = i.addressOf(fn);
            if (a.isPresent()) {
                if (offset >= i.size() - (a.getAsLong() - i.base())) {
                    throw new IllegalArgumentException(String.format("location '%s': offset 0x%X is past the end of %s",
                            t, offset, i.name()));
                }
                return a.getAsLong() + offset;
            }
            known.addAll(i.pe().symbols().names());
        }
        if (known.isEmpty()) {
            throw new IllegalArgumentException("location '" + t + "': expected an address, IMAGE+OFFSET or a function"
                    + " name; " + in.stream().map(LoadedImage::name).toList() + " carry no COFF symbol table");
        }
        throw new IllegalArgumentException("location '" + t + "': no function named '" + fn + "' in "
                + in.stream().map(LoadedImage::name).toList() + org.efiemu.core.util.NearestName.hint(fn, known));
    }
}
