package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code part-probe} payload booted from a GPT disk and from an MBR disk with an extended partition on efiemu's
 * ovmf-q35-2g: the partitions are BY_CHILD_CONTROLLER children of their disk (or extended partition), with the opens
 * of PartitionDxe, DiskIoDxe and the FAT driver, and ConnectController's statuses, as real OVMF printed them for the
 * same disks (the committed {@code ovmf-part-probe-*.txt}; PartitionChildrenOvmfLiveTest compares live).
 */
class PartitionChildrenPayloadTest {
    /** The FvFile GUIDs of the three drivers efiemu models (PartitionDxe, DiskIoDxe, Fat). */
    static final List<String> DRIVERS = List.of("1fa1f39e-feff-4aae-bd7b-38a070a3b609",
            "6b38f7b4-ad98-40e9-9093-aca2b5a253c4", "961578fe-b6b7-44c3-af35-6bc705cd2b1f");

    /**
     * The "pp:" lines efiemu is held to: every line but the open entries, and the open entries whose agent is one of
     * {@link #DRIVERS} (the others are OVMF drivers and the DXE core's HandleProtocol opens efiemu does not model).
     */
    static List<String> comparedLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("pp:"))
                .filter(l -> !l.contains(" agent ") || DRIVERS.stream().anyMatch(l::contains)).toList();
    }

    /** The "pq:" lines (DisconnectController of the disk and the connect after it). */
    static List<String> disconnectLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("pq:"))
                .filter(l -> !l.contains(" agent ") || DRIVERS.stream().anyMatch(l::contains)).toList();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = PartitionChildrenPayloadTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A FAT16 ESP holding part-probe as \EFI\BOOT\BOOTX64.EFI. */
    static Path esp(Path dir) throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "hello from the ESP\n");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI/BOOT");
        DiskImages.run(dir, null, "mcopy", "-i", esp.toString(), TestPlatforms.payload("part-probe").toAbsolutePath()
                .toString(), "::/EFI/BOOT/BOOTX64.EFI");
        return esp;
    }

    static Path gptDisk(Path dir) throws Exception {
        return DiskImages.gpt(dir, "gpt.img", esp(dir));
    }

    static Path mbrDisk(Path dir) throws Exception {
        Path logical = DiskImages.fat(dir, "logical.img", 16, 19456, "/HELLO.TXT", "logical partition\n");
        return DiskImages.extendedMbr(dir, "mbr.img", esp(dir), logical);
    }

    static BootResult efiemu(Path img) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35WithDiskDrivers()).disk(img, false).build()) {
            return m.run();
        }
    }

    @Test
    void gptPartitionsAreChildrenOfTheirDiskWithOvmfsOpensAndConnectStatuses(@TempDir Path dir) throws Exception {
        List<String> ovmf = comparedLines(resource("ovmf-part-probe-gpt.txt"));
        assertThat(ovmf).contains("pp: connect B0 recursive EFI_SUCCESS").hasSizeGreaterThan(40);
        BootResult r = efiemu(gptDisk(dir));
        assertThat(comparedLines(r.consoleText())).containsExactlyElementsOf(ovmf);
    }

    @Test
    void logicalPartitionsAreChildrenOfTheirExtendedPartitionWithOvmfsOpensAndConnectStatuses(@TempDir Path dir)
            throws Exception {
        List<String> ovmf = comparedLines(resource("ovmf-part-probe-mbr.txt"));
        assertThat(ovmf).contains("pp: connect B2 recursive EFI_SUCCESS").hasSizeGreaterThan(60);
        BootResult r = efiemu(mbrDisk(dir));
        assertThat(comparedLines(r.consoleText())).containsExactlyElementsOf(ovmf);
    }

    @Test
    void connectControllerOfADiskRunsPartitionDxeAndReachesEachPartitionRecursively(@TempDir Path dir) throws Exception {
        BootResult r = efiemu(gptDisk(dir));
        ServiceCallEvent disk = r.trace().stream().filter(e -> e.service().equals("ConnectController")).findFirst()
                .orElseThrow();
        assertThat(disk.status()).isEqualTo("EFI_SUCCESS");
        assertThat(String.join("\n", disk.outputs()))
                .containsPattern("DriverBinding.Supported\\(0x[0-9A-F]+, " + disk.arguments().get(0)
                        + ", NULL\\) of PartitionDxe: EFI_SUCCESS")
                .containsPattern("DriverBinding.Start\\(0x[0-9A-F]+, " + disk.arguments().get(0)
                        + ", NULL\\) of PartitionDxe: EFI_SUCCESS")
                .contains("of Fat: EFI_ALREADY_STARTED");
        assertThat(disk.outputs().stream().filter(o -> o.startsWith("connect child "))).hasSize(2);
    }

    /** The "pr:" lines (the Block I/O handles after the reconnect, and the End-node connect). */
    static List<String> afterLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("pr:")).toList();
    }

    @Test
    void disconnectControllerOfAGptDiskDestroysItsPartitionsAndConnectMakesThemAgainAsOvmf(@TempDir Path dir)
            throws Exception {
        // PartitionDxe's Stop destroys the children (and, through DiskIoDxe's Stop, the FAT driver's file system),
        // DiskIoDxe's Stop takes the disk's Disk I/O; ConnectController(disk, Recursive) makes them again
        String capture = resource("ovmf-part-probe-gpt.txt");
        List<String> ovmf = disconnectLines(capture);
        assertThat(ovmf).contains("pq: disconnect disk B0 EFI_SUCCESS", "pq: after-disconnect block-handles 1",
                "pq: after-reconnect block-handles 3").hasSizeGreaterThan(25);
        BootResult r = efiemu(gptDisk(dir));
        assertThat(disconnectLines(r.consoleText())).containsExactlyElementsOf(ovmf);
        assertThat(afterLines(r.consoleText())).containsExactlyElementsOf(afterLines(capture));
    }

    /** The "pt:" lines (the partition type GUIDs each Block I/O handle carries as protocols). */
    static List<String> typeLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("pt:")).toList();
    }

    @Test
    void gptPartitionsCarryTheirTypeGuidAsAProtocolWithNoInterfaceAsPartitionDxe(@TempDir Path dir) throws Exception {
        // PartitionInstallChildHandle installs the entry's PartitionTypeGUID with a NULL interface, on the first
        // children and on those ConnectController makes again; LocateHandle(ByProtocol, ESP type) finds the ESP
        String capture = resource("ovmf-part-probe-gpt.txt");
        List<String> ovmf = typeLines(capture);
        assertThat(ovmf).contains("pt: begin B1 esp-type EFI_SUCCESS NULL linux-type EFI_UNSUPPORTED -",
                "pt: after-reconnect locate esp-type EFI_BUFFER_TOO_SMALL handles 1");
        assertThat(typeLines(efiemu(gptDisk(dir)).consoleText())).containsExactlyElementsOf(ovmf);
    }

    @Test
    void mbrPartitionsCarryTheEspTypeGuidOnlyForType0xEfAsPartitionDxe(@TempDir Path dir) throws Exception {
        String capture = resource("ovmf-part-probe-mbr.txt");
        List<String> ovmf = typeLines(capture);
        assertThat(ovmf).hasSizeGreaterThan(4);
        assertThat(typeLines(efiemu(mbrDisk(dir)).consoleText())).containsExactlyElementsOf(ovmf);
    }

    @Test
    void disconnectControllerOfAnMbrDiskDestroysItsExtendedPartitionsChildrenToo(@TempDir Path dir) throws Exception {
        String capture = resource("ovmf-part-probe-mbr.txt");
        List<String> ovmf = disconnectLines(capture);
        assertThat(ovmf).contains("pq: disconnect disk B0 EFI_SUCCESS", "pq: after-reconnect block-handles 5");
        BootResult r = efiemu(mbrDisk(dir));
        assertThat(disconnectLines(r.consoleText())).containsExactlyElementsOf(ovmf);
        assertThat(afterLines(r.consoleText())).containsExactlyElementsOf(afterLines(capture));
    }

    @Test
    void withoutTheCapturedDriverImagesPartitionsHaveNoDriverOpensAndADiskConnectIsNotFound(@TempDir Path dir)
            throws Exception {
        BootResult r;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(gptDisk(dir), false).build()) {
            r = m.run();
        }
        List<String> lines = comparedLines(r.consoleText());
        assertThat(lines).contains("pp: block-handles 3", "pp: connect B0 recursive EFI_NOT_FOUND")
                .noneMatch(l -> l.contains(" agent "));
    }

    @Test
    void connectControllerGivesTheDriversAnAlignedCopyOfRemainingDevicePath(@TempDir Path dir) throws Exception {
        List<String> ovmf = resource("ovmf-part-probe-gpt.txt").lines().filter(l -> l.startsWith("pr: connect")).toList();
        assertThat(ovmf).containsExactly("pr: connect B0 end-node EFI_SUCCESS");
        BootResult r = efiemu(gptDisk(dir));
        assertThat(r.consoleText().replace("\r", "").lines().filter(l -> l.startsWith("pr: connect")))
                .containsExactlyElementsOf(ovmf);
        ServiceCallEvent call = r.trace().stream().filter(e -> e.service().equals("ConnectController")
                && !e.arguments().get(2).equals("NULL")).findFirst().orElseThrow();
        long given = Long.decode(call.arguments().get(2));
        assertThat(given % 8).as("the payload passes an End node at an odd address").isEqualTo(1);
        String supported = call.outputs().stream().filter(o -> o.startsWith("DriverBinding.Supported(")).findFirst()
                .orElseThrow();
        long seen = Long.decode(supported.substring(supported.lastIndexOf(", ") + 2, supported.indexOf(')')));
        assertThat(seen).as(supported).isNotEqualTo(given);
        assertThat(seen % 8).as("EDK2's DuplicateDevicePath copy is pool memory, 8-aligned").isZero();
    }
}
