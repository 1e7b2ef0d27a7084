package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.memory.PageOwner;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * The boot image is loaded as EDK2's boot manager loads it: file read into an EfiBootServicesData pool buffer, image
 * pages allocated after it (so below it, top-down), buffer freed (EfiBootManagerBoot / CoreLoadImageCommon). The
 * payload's linked ImageBase (0x10000000) is made unavailable so the image takes AllocateAnyPages.
 */
class ImageLoaderFileBufferTest {
    private static final long PAGE = 0x1000;

    /** The last page below the ovmf-q35-2g profile's default-max (0x7F4EBFFF). */
    private static final long DEFAULT_MAX_PAGE = 0x7F4EB000L;

    private static PlatformDescription imageBaseTaken() {
        PlatformDescription p = TestPlatforms.ovmfQ35();
        List<MemoryDescriptor> map = new ArrayList<>();
        for (MemoryDescriptor d : p.memoryMap()) {
            long end = d.physicalStart() + d.numberOfPages() * PAGE;
            if (d.type() == MemoryType.EfiConventionalMemory.value() && d.physicalStart() <= 0x10000000L && end > 0x10000000L) {
                map.add(new MemoryDescriptor(d.type(), d.physicalStart(), (0x10000000L - d.physicalStart()) / PAGE, d.attribute()));
                map.add(new MemoryDescriptor(MemoryType.EfiBootServicesData.value(), 0x10000000L, 0x100, d.attribute()));
                map.add(new MemoryDescriptor(d.type(), 0x10100000L, (end - 0x10100000L) / PAGE, d.attribute()));
            } else {
                map.add(d);
            }
        }
        return new PlatformDescription(p.name() + "-imagebase-taken", map, p.placement(), p.descriptorSize(),
                p.descriptorVersion(), p.firmware(), p.cpu(), p.smbios(), p.acpi(), p.console(), p.variables(), p.quirks());
    }

    @Test
    void bootImageIsAllocatedBelowItsFileBufferWhichTookTheHighestFittingFreeRunAndIsFreedBeforeEntry() throws IOException {
        Path payload = TestPlatforms.payload("services");
        byte[] file = Files.readAllBytes(payload);
        // CoreAllocatePoolI: ALIGN_VARIABLE(size) + POOL_OVERHEAD (0x28), whole pages above the largest bin
        long bufferPages = (((file.length + 7) & ~7L) + 0x28 + PAGE - 1) / PAGE;
        try (UefiMachine m = UefiMachine.builder(imageBaseTaken()).payload(payload).build()) {
            LoadedImage image = m.image();
            // top-down below default-max: the buffer took the top of the highest free run of bufferPages pages, and
            // is free again, so that run is still free at entry
            long buffer = 0;
            long run = 0;
            for (long a = DEFAULT_MAX_PAGE; a > image.base() && buffer == 0; a -= PAGE) {
                run = m.memoryMap().ownerOf(a).kind() == PageOwner.Kind.FREE ? run + 1 : 0;
                if (run == bufferPages) {
                    buffer = a;
                }
            }
            assertThat(buffer).as("a free run of %d pages above the image at 0x%X", bufferPages, image.base()).isNotZero();
            // the freed buffer keeps its content: POOL_HEAD ("phd0", type EfiBootServicesData) then the file
            assertThat(m.machine().memory().read(buffer, 4)).as("POOL_HEAD.Signature above the image")
                    .isEqualTo("phd0".getBytes(StandardCharsets.US_ASCII));
            assertThat(m.machine().memory().u32(buffer + 8)).as("POOL_HEAD.Type")
                    .isEqualTo((long) MemoryType.EfiBootServicesData.value());
            assertThat(m.machine().memory().read(buffer + 0x18, file.length)).as("file bytes in the buffer").isEqualTo(file);
            for (long a = buffer; a < buffer + bufferPages * PAGE; a += PAGE) {
                assertThat(m.memoryMap().ownerOf(a).kind()).as("buffer page 0x%X after LoadImage", a)
                        .isEqualTo(PageOwner.Kind.FREE);
            }
        }
    }

    @Test
    void explicitLoadAddressTakesNoFileBuffer() {
        try (UefiMachine m = UefiMachine.builder(imageBaseTaken()).payload(TestPlatforms.payload("services"))
                .loadAddress(0x2000000).build()) {
            assertThat(m.image().base()).isEqualTo(0x2000000L);
            assertThat(m.machine().memory().read(m.image().base() + m.image().pages() * PAGE, 4))
                    .as("no pool buffer above an image loaded at an explicit address")
                    .isNotEqualTo("phd0".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anImageThatCannotBePlacedAtItsLoadAddressIsRefusedWithTheTextTheFormatterGave() throws Exception {
        Path payload = TestPlatforms.payload("services");
        org.efiemu.core.pe.PeImage pe = org.efiemu.core.pe.PeParser.parse(Files.readAllBytes(payload), "services.efi");
        long pages = (pe.sizeOfImage() + (pe.sectionAlignment() > PAGE ? pe.sectionAlignment() : 0) + PAGE - 1) / PAGE;
        for (long address : new long[] {0x10000000L, 0x10001000L, 0x7FFFF000L, 0x7FF0000000L}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> UefiMachine.builder(imageBaseTaken()).payload(pe)
                    .loadAddress(address).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getCause()).as("0x%X: %s", address, e.getMessage()).isNotNull())
                    .satisfies(e -> assertThat(e.getMessage()).isEqualTo(String.format(
                            "%s: %d pages of %s at %s (0x%X) cannot be allocated: %s", "services.efi", pages,
                            MemoryType.EfiLoaderCode, "the requested load address", address, e.getCause().getMessage())));
        }
    }
}
