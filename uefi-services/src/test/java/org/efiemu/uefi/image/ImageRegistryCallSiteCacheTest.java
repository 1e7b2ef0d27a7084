package org.efiemu.uefi.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * {@link ImageRegistry#describeCallSite} remembers the descriptions of call sites inside loaded images (a trace line per
 * service call names its caller): what it gives is what the image itself describes, on the first call and on every
 * later one, and an image added later is never hidden behind a remembered answer.
 */
class ImageRegistryCallSiteCacheTest {

    @Test
    void rememberedCallSitesAreTheImagesOwnDescriptionsOnEveryCall() throws Exception {
        List<Path> payloads = payloads();
        assertThat(payloads).isNotEmpty();
        boolean sawSymbol = false;
        for (Path p : payloads) {
            PeImage pe = PeParser.parse(Files.readAllBytes(p), p.getFileName().toString());
            LoadedImage image = new LoadedImage(p.getFileName().toString(), pe, 0x7000_0000L, pages(pe), 0x7000_0000L,
                    MemoryType.EfiLoaderCode, MemoryType.EfiLoaderData);
            ImageRegistry registry = new ImageRegistry();
            registry.add(image);
            for (int pass = 0; pass < 2; pass++) {
                for (long a = image.base(); a < image.base() + image.size(); a += 0x11) {
                    String site = registry.describeCallSite(a);
                    assertThat(site).as("%s at 0x%X, pass %d", p, a, pass).isEqualTo(image.describeCallSite(a));
                    sawSymbol |= site.contains("<");
                }
            }
        }
        assertThat(sawSymbol).as("some payload keeps a COFF symbol table or lines").isTrue();
    }

    @Test
    void anImageAddedLaterDescribesTheAddressesItHolds() throws Exception {
        Path p = payloads().get(0);
        PeImage pe = PeParser.parse(Files.readAllBytes(p), "first.efi");
        long base = 0x7000_0000L;
        ImageRegistry registry = new ImageRegistry();
        registry.add(new LoadedImage("first.efi", pe, base, pages(pe), base, MemoryType.EfiLoaderCode,
                MemoryType.EfiLoaderData));
        long outside = base + pages(pe) * 0x1000 + 0x20;
        assertThat(registry.describeCallSite(base + 0x10)).startsWith("first.efi+0x10");
        assertThat(registry.describeCallSite(outside)).isEqualTo("0x" + Long.toHexString(outside).toUpperCase(Locale.ROOT));
        LoadedImage second = new LoadedImage("second.efi", PeParser.parse(Files.readAllBytes(p), "second.efi"),
                base + pages(pe) * 0x1000, pages(pe), base, MemoryType.EfiLoaderCode, MemoryType.EfiLoaderData);
        registry.add(second);
        assertThat(registry.describeCallSite(outside)).startsWith("second.efi+0x20").isEqualTo(second.describeCallSite(outside));
        assertThat(registry.describeCallSite(base + 0x10)).startsWith("first.efi+0x10");
    }

    @Test
    void describeWritesOffsetsAsTheFormatterDid() throws Exception {
        Path p = payloads().get(0);
        PeImage pe = PeParser.parse(Files.readAllBytes(p), "x.efi");
        LoadedImage image = new LoadedImage("x.efi", pe, 0x1000_0000L, pages(pe), 0x1000_0000L, MemoryType.EfiLoaderCode,
                MemoryType.EfiLoaderData);
        for (long a : new long[] {0x1000_0000L, 0x1000_0ABCL, 0x0FFF_FFFFL, 0, -1L, Long.MIN_VALUE, 0x1234_5678_9ABCL}) {
            assertThat(image.describe(a)).isEqualTo(String.format("%s+0x%X", "x.efi", a - 0x1000_0000L));
        }
    }

    private static long pages(PeImage pe) {
        return (pe.sizeOfImage() + 0xFFF) / 0x1000;
    }

    private static List<Path> payloads() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("target/test-classes/payloads"))) {
            return s.filter(f -> f.toString().endsWith(".efi")).sorted().toList();
        }
    }
}
