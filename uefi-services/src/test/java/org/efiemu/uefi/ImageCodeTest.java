package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.RangeSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeLoader;
import org.efiemu.core.pe.PeParser;
import org.junit.jupiter.api.Test;

class ImageCodeTest {
    @Test
    void everyNonZeroByteOfALoadedImageIsInsideTheRangesScannedForRdtsc() throws Exception {
        List<Path> payloads = payloads();
        assertThat(payloads).isNotEmpty();
        for (Path p : payloads) {
            PeImage pe = PeParser.parse(Files.readAllBytes(p), p.getFileName().toString());
            RangeSet<Long> scanned = ImageCode.possiblyNonZero(pe);
            for (long base : new long[] {pe.imageBase(), 0x7654_3000L}) { // at ImageBase and relocated
                byte[] image = PeLoader.layout(pe, base);
                for (int i = 0; i < image.length; i++) {
                    if (image[i] != 0) {
                        assertThat(scanned.contains((long) i)).as("%s at 0x%X: non-zero byte at RVA 0x%X", p, base, i)
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void zeroFilledTailOfASectionIsNotScanned() throws Exception {
        long skipped = 0;
        for (Path p : payloads()) {
            PeImage pe = PeParser.parse(Files.readAllBytes(p), p.getFileName().toString());
            long scanned = ImageCode.possiblyNonZero(pe).asRanges().stream()
                    .mapToLong(r -> r.upperEndpoint() - r.lowerEndpoint()).sum();
            assertThat(scanned).isLessThanOrEqualTo(pe.sizeOfImage());
            skipped += pe.sizeOfImage() - scanned;
        }
        assertThat(skipped).as("section alignment padding and bss of the test payloads").isPositive();
    }

    private static List<Path> payloads() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("target/test-classes/payloads"))) {
            return s.filter(f -> f.toString().endsWith(".efi")).sorted().toList();
        }
    }
}
