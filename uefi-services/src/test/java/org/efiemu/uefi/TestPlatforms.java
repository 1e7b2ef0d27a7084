package org.efiemu.uefi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Platforms for the tests. {@code ovmf-q35-2g.profile} is a copy of the platforms module's built-in profile (this
 * module must not depend on platforms), read here with just enough of the profile format: the placement line and
 * the memory map.
 */
public final class TestPlatforms {
    private TestPlatforms() {}

    public static PlatformDescription ovmfQ35() {
        String text;
        try (InputStream in = TestPlatforms.class.getResourceAsStream("ovmf-q35-2g.profile")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<MemoryDescriptor> map = new ArrayList<>();
        PlacementSpec placement = PlacementSpec.EDK2_TOPDOWN;
        boolean inMap = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("placement:")) {
                String[] words = line.substring(10).trim().split("\\s+");
                Map<String, String> params = new LinkedHashMap<>();
                for (int i = 1; i < words.length; i++) {
                    String[] kv = words[i].split("=", 2);
                    params.put(kv[0], kv[1]);
                }
                placement = new PlacementSpec(words[0], params);
            } else if (line.startsWith("memory-map:")) {
                inMap = true;
            } else if (inMap && line.startsWith("Efi")) {
                String[] w = line.trim().split("\\s+");
                String[] range = w[1].split("-");
                long start = Long.decode(range[0]);
                long end = Long.decode(range[1]);
                map.add(new MemoryDescriptor(MemoryType.valueOf(w[0]).value(), start, (end - start + 1) >>> 12,
                        Long.parseUnsignedLong(w[2].substring(2), 16)));
            }
        }
        return new PlatformDescription("ovmf-q35-2g", map, placement, 48, 1,
                new PlatformDescription.Firmware("EDK II", 0x10000, PlatformDescription.Firmware.UEFI_2_70),
                new PlatformDescription.Cpu("AuthenticAMD", 15, 107, 1, "QEMU Virtual CPU version 2.5+", 1),
                new PlatformDescription.Smbios("EFI Development Kit II / OVMF", "0.0.0", "02/06/2015", "QEMU",
                        "Standard PC (Q35 + ICH9, 2009)", "pc-q35-7.2", "0"),
                new PlatformDescription.Acpi("BOCHS ", "BXPC    "), new PlatformDescription.Console(80, 25),
                List.of(), Set.of());
    }

    /** A payload built by the module's generate-test-resources step. */
    public static Path payload(String name) {
        Path p = Path.of("target/test-classes/payloads/" + name + ".efi");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p.toAbsolutePath() + " is missing: run the build's generate-test-resources phase");
        }
        return p;
    }
}
