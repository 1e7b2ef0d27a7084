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

    /**
     * {@link #ovmfQ35()} with a captured handle database of three driver image handles, as the platforms module's ovmf-q35-2g
     * profile has them (its handles 111, 112 and 126: EDK2's DiskIoDxe, PartitionDxe and Fat, each with its Driver
     * Binding and Loaded Image, FilePath {@code FvFile(GUID)}), and the application's: enough for efiemu to make disks' partitions their
     * disk's children with those drivers' opens ({@link org.efiemu.uefi.storage.DiskDrivers}).
     */
    public static PlatformDescription ovmfQ35WithDiskDrivers() {
        List<org.efiemu.uefi.handle.CapturedHandle> handles = new ArrayList<>();
        Object[][] drivers = {{org.efiemu.uefi.storage.DiskDrivers.DISK_IO_DXE, 0x1A40L},
                {org.efiemu.uefi.storage.DiskDrivers.PARTITION_DXE, 0x3180L}, {org.efiemu.uefi.storage.DiskDrivers.FAT, 0x5900L}};
        for (Object[] d : drivers) {
            byte[] path = new byte[24];
            path[0] = 4;
            path[1] = 6;
            path[2] = 20;
            System.arraycopy(((org.efiemu.uefi.spec.Guid) d[0]).toBytes(), 0, path, 4, 16);
            path[20] = 0x7F;
            path[21] = (byte) 0xFF;
            path[22] = 4;
            handles.add(new org.efiemu.uefi.handle.CapturedHandle(handles.size(), List.of(
                    org.efiemu.uefi.spec.Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID,
                    org.efiemu.uefi.spec.Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID), List.of(), null, null,
                    new org.efiemu.uefi.handle.CapturedHandle.CapturedImage(0x1000, -1, -1, 3, 4, (Long) d[1], 0, path)));
        }
        // the application BDS started (HandleMatching gives the last loaded image to efiemu's own image handle)
        byte[] app = {4, 4, 8, 0, 'A', 0, 0, 0, 0x7F, (byte) 0xFF, 4, 0};
        handles.add(new org.efiemu.uefi.handle.CapturedHandle(handles.size(), List.of(
                org.efiemu.uefi.spec.Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID), List.of(), null, null,
                new org.efiemu.uefi.handle.CapturedHandle.CapturedImage(0x1000, -1, -1, 1, 2, 0x1000, 0, app)));
        return ovmfQ35().withCaptured(new org.efiemu.uefi.platform.CapturedFirmware(handles, List.of()));
    }

    /**
     * {@link #ovmfQ35()} with OVMF's PCI root bridge and its stdvga function (BAR 0 the framebuffer, BAR 2 the MMIO
     * registers), from {@code ovmf-q35-stdvga.pci} (lines of the platforms module's ovmf-q35-2g profile), and OVMF's
     * configuration tables (the DXE services among them): enough for EFI_PCI_IO_PROTOCOL and
     * EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL calls on the GOP's framebuffer.
     */
    public static PlatformDescription ovmfQ35WithStdVga() {
        Map<String, Map<String, String>> lines = new LinkedHashMap<>();
        List<org.efiemu.uefi.pci.PciBar> bars = new ArrayList<>();
        try (InputStream in = TestPlatforms.class.getResourceAsStream("ovmf-q35-stdvga.pci")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] words = line.trim().split("\\s+");
                Map<String, String> kv = new LinkedHashMap<>();
                for (int i = 2; i < words.length; i++) {
                    String[] pair = words[i].split("=", 2);
                    kv.put(pair[0], pair[1]);
                }
                if (words[0].equals("pci-bar:")) {
                    bars.add(new org.efiemu.uefi.pci.PciBar(Integer.parseInt(kv.get("index")),
                            Long.decode(kv.get("supports")), hex(kv.get("resources")), hex(kv.get("read"))));
                } else {
                    lines.put(words[0], kv);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> rb = lines.get("pci-root-bridge:");
        org.efiemu.uefi.pci.PciRootBridge bridge = new org.efiemu.uefi.pci.PciRootBridge(0,
                Long.decode(rb.get("supports")), Long.decode(rb.get("attributes")), aperture(rb.get("io")),
                aperture(rb.get("mem")), aperture(rb.get("mem64")), hex(rb.get("configuration")));
        Map<String, String> d = lines.get("pci-device:");
        Map<Integer, Integer> masks = new LinkedHashMap<>();
        lines.get("pci-bar-masks:").forEach((k, v) -> masks.put(Integer.parseInt(k, 16), (int) Long.parseLong(v, 16)));
        org.efiemu.uefi.pci.PciDevice vga = new org.efiemu.uefi.pci.PciDevice(0, 0, 1, 0, Long.decode(d.get("attributes")),
                Long.decode(d.get("supported")), 0, hex(d.get("config")), hex(d.get("path")), new byte[0], bars, masks);
        PlatformDescription p = ovmfQ35();
        return p.withFirmwareDevices(org.efiemu.uefi.tables.ConfigurationTableKind.OVMF_Q35, List.of(vga))
                .withPciRootBridges(List.of(bridge));
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }

    private static org.efiemu.uefi.pci.PciRootBridge.Aperture aperture(String range) {
        String[] r = range.split("-");
        return new org.efiemu.uefi.pci.PciRootBridge.Aperture(Long.decode(r[0]), Long.decode(r[1]));
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
