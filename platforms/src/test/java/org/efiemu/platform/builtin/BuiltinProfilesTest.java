package org.efiemu.platform.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class BuiltinProfilesTest {

    private static long pagesBelow1MiB(PlatformProfile p, MemoryType t) {
        return p.descriptorsBelow(0x100000).stream().filter(d -> d.type() == t.value())
                .mapToLong(MemoryDescriptor::numberOfPages).sum();
    }

    @Test
    void everyBuiltInProfileRoundTripsByteIdentically() {
        for (String name : ProfileRegistry.builtInNames()) {
            String text = ProfileRegistry.builtInText(name).orElseThrow();
            PlatformProfile p = ProfileParser.parse(text, name);
            assertThat(p.name()).isEqualTo(name);
            assertThat(ProfileWriter.write(p)).as(name).isEqualTo(text);
            assertThat(ProfileParser.parse(ProfileWriter.write(p), name)).isEqualTo(p);
            assertThat(p.sources()).as(name + " says where its data came from").isNotEmpty();
            assertThat(p.toDescription().memoryMap()).isEqualTo(p.memoryMap());
        }
    }

    @Test
    void committedSynthesisedProfilesEqualWhatTheSynthesisBuildsFromPlatformData() throws IOException {
        List<PlatformProfile> built = BuiltinSynthesis.all();
        for (PlatformProfile p : built) {
            assertThat(ProfileRegistry.builtInText(p.name())).as(p.name()).contains(ProfileWriter.write(p));
        }
    }

    @Test
    void dellR820HasNoConventionalMemoryBelow1MiBAndBootServicesDataOver1To64MiB() {
        PlatformProfile p = ProfileRegistry.builtIn("dell-poweredge-r820");
        assertThat(p.memoryMap()).hasSizeGreaterThan(200);
        assertThat(p.memoryMap().get(0)).isEqualTo(new MemoryDescriptor(4, 0x10000, 0x90, 0xF));
        assertThat(p.memoryMap().get(1)).isEqualTo(new MemoryDescriptor(4, 0x100000, 0x3F00, 0xF));
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isZero();
        assertThat(p.ramRanges().span().upperEndpoint()).isEqualTo(0x1840000000L);
        assertThat(p.hasQuirk("page0-not-ram")).isTrue();
        assertThat(p.firmware().vendor()).isEqualTo("Dell");
        // the R820's own E820 non-usable ranges are reproduced exactly
        assertThat(p.memoryMap()).contains(new MemoryDescriptor(10, 0xB672F000L, 0x400, 0xF),
                new MemoryDescriptor(9, 0xBD2FC000L, 0x5F, 0x8));
    }

    @Test
    void dellR820ScaleVariantHasTheSameLowLayoutAnd1Point5TiB() {
        PlatformProfile small = ProfileRegistry.builtIn("dell-poweredge-r820");
        PlatformProfile big = ProfileRegistry.builtIn("dell-poweredge-r820-1.5t");
        assertThat(big.descriptorsBelow(0x100000000L)).isEqualTo(small.descriptorsBelow(0x100000000L));
        // 1.5 TiB installed: like the 96 GiB R820 (RAM to 0x1840000000), RAM above 4 GiB ends 1 GiB past the size
        assertThat(big.ramRanges().span().upperEndpoint()).isEqualTo(0x18040000000L);
        assertThat(big.ramBytes() >> 30).isEqualTo(1535L);
    }

    @Test
    void ibmX3550M2Has8GiBAnd200PlusDescriptorsWithAcpiNvsAt0x6C000And0x9F000() {
        PlatformProfile p = ProfileRegistry.builtIn("ibm-system-x3550-m2");
        assertThat(p.memoryMap()).hasSizeGreaterThan(200);
        assertThat(p.ramBytes() >> 30).isBetween(7L, 8L);
        assertThat(p.memoryMap()).contains(new MemoryDescriptor(10, 0x6C000, 1, 0xF), new MemoryDescriptor(10, 0x9F000, 1, 0xF));
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isPositive();
    }

    @Test
    void lowallocFirmwarePlacesLowFirstAndHasFreeMemoryBelow1MiB() {
        PlatformProfile p = ProfileRegistry.builtIn("lowalloc-firmware");
        assertThat(p.placement().name()).isEqualTo("low-first");
        assertThat(p.hasQuirk("low-alloc-first")).isTrue();
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isEqualTo(0x9F);
    }

    @Test
    void lowallocFirmwareIsTheCapturedOvmfQ35MapWithOnlyItsPlacementAndQuirkChanged() {
        PlatformProfile low = ProfileRegistry.builtIn("lowalloc-firmware");
        PlatformProfile ovmf = ProfileRegistry.builtIn("ovmf-q35-2g");
        assertThat(low.memoryMap()).isEqualTo(ovmf.memoryMap());
        assertThat(low.cpu()).isEqualTo(ovmf.cpu());
        assertThat(low.placement().params()).isEqualTo(ovmf.placement().params());
        assertThat(low.quirks()).containsExactly("low-alloc-first");
        assertThat(low.sources()).anyMatch(s -> s.startsWith("ovmf-q35-2g: capture "));
    }

    @Test
    void everyRealMachineProfileDocumentsItsPlacementAsInferred() {
        for (String name : List.of("dell-poweredge-r820", "dell-poweredge-r820-1.5t", "ibm-system-x3550-m2")) {
            PlatformProfile p = ProfileRegistry.builtIn(name);
            assertThat(p.placement().param("default-max", null)).as(name).isNotNull();
            assertThat(p.placement().param("bins", null)).as(name).isNotNull();
            assertThat(p.sources()).as(name).anyMatch(s -> s.startsWith("inferred: default-max = lowest bin base - 1"))
                    .anyMatch(s -> s.startsWith("inferred: the bins' free parts are unknown"));
        }
    }
}
