package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The firmware-probe ({@code platforms/src/main/c/firmware-probe}) on efiemu with a built-in OVMF profile against the
 * same probe on real QEMU 7.2 + OVMF 2022.11 ({@code captures/ovmf-q35-<mem>.firmware.txt}): the lines that describe
 * what the profile records or what efiemu models after OVMF must be equal line for line.
 *
 * <p>Where they cannot agree (asserted separately, documented in docs/profiles.md "What efiemu presents"):
 * <ul>
 * <li>{@code cfg-data:} the status code ring's records (efiemu reported none); the HOB list is the captured one
 * ({@code hob:} lines equal byte for byte);
 * <li>{@code handle:} the profile's captured handle database is presented (every handle with its protocols, NULL
 * interfaces and device paths, in OVMF's order) except OVMF's three storage handles (QEMU's {@code fat:} drive that
 * held the probe: the SATA disk, the CD-ROM, the partition), where efiemu presents its own boot volume;
 * <li>{@code fw: image device-path}: QEMU's {@code fat:} drive is an MBR disk (HD(1,MBR,0xBE1AFDFA,0x3F,0xFBFC1));
 * efiemu's boot volume is a GPT partition;
 * <li>{@code acpi:} OVMF passes on QEMU's FADT revision 3 (244 bytes, SMI command port 0xB2) and DSDT of 8 KiB,
 * efiemu builds FADT revision 6 without an SMI port and a DSDT with only \_S5; the power-management ports, lengths,
 * flags, reset register and \_S5 are OVMF's;
 * <li>{@code text:} the cursor position (OVMF has printed its BDS lines by then).
 * </ul>
 */
class FirmwareProbeDifferentialTest {

    private static String resource(String name) {
        try (InputStream in = FirmwareProbeDifferentialTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (built by this module's build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }

    private static byte[] probe() {
        return resource("/payloads/firmware-probe.efi").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> efiemu(String profile) {
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(probe(), "BOOTX64.EFI").filePath("\\EFI\\BOOT\\BOOTX64.EFI").build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as("the probe ends with ResetSystem(EfiResetShutdown): %s", r).isEqualTo(BootOutcome.RESET);
            return probeLines(r.console().text(ConsoleListener.Source.SERIAL));
        }
    }

    private static List<String> probeLines(String text) {
        List<String> all = Arrays.asList(text.replace("\r", "").split("\n"));
        int from = all.indexOf("fw: firmware-probe begin");
        int to = all.indexOf("fw: firmware-probe end");
        assertThat(from).as("probe output begins").isGreaterThanOrEqualTo(0);
        assertThat(to).as("probe output ends").isGreaterThan(from);
        return all.subList(from, to + 1);
    }

    /** The kept lines; the text cursor's position is left out (OVMF's BDS printed lines before the probe ran). */
    private static List<String> select(List<String> lines, Predicate<String> keep) {
        return lines.stream().filter(keep).map(l -> l.replaceFirst(" cursor=\\d+,\\d+", "")).toList();
    }

    private static boolean startsWithAny(String l, String... prefixes) {
        return Arrays.stream(prefixes).anyMatch(l::startsWith);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m"})
    void variablesLimitsDisplayTextConsoleSerialAndRngEqualRealOvmfLineForLine(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        Predicate<String> agree = l -> startsWithAny(l, "fw: vendor", "fw: image device-handle", "fw: image file-path",
                "var:", "var-data:", "qvi:", "gop:", "text: max-mode", "text: mode", "conin:", "conout:", "serial:", "rng:",
                "acpi: DSDT _S5", "acpi: FADT reset-reg");
        assertThat(select(emu, agree)).containsExactlyElementsOf(select(real, agree));
        assertThat(select(real, agree)).hasSizeGreaterThan(130);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void configurationTablesAndPciFunctionsEqualRealOvmfLineForLine(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        // configuration tables: the same GUIDs in the same order; the headers and counts that do not depend on what
        // OVMF's drivers did
        Predicate<String> tables = l -> l.startsWith("cfg: ") || l.startsWith("cfg-data: dxe-services ")
                || l.startsWith("cfg-data: hob phit ") || l.startsWith("cfg-data: hob resource type=0 ")
                || l.startsWith("cfg-data: image-execution") || l.startsWith("cfg-data: hob type=0x1 ")
                || l.startsWith("cfg-data: hob type=0x6 ");
        assertThat(select(emu, tables)).containsExactlyElementsOf(select(real, tables));
        assertThat(select(real, tables)).hasSizeGreaterThanOrEqualTo(11 + 1 + 1 + 2 + 1 + 2);
        // the status code ring has OVMF's size (MaxRecordsNumber 85 at bytes 8-11) and, on efiemu, no record
        assertThat(select(real, l -> l.startsWith("cfg-data: status-code header "))).singleElement().asString()
                .matches("cfg-data: status-code header [0-9a-f]{16}55000000.*");
        assertThat(select(emu, l -> l.startsWith("cfg-data: status-code header "))).singleElement().asString()
                .startsWith("cfg-data: status-code header 000000000000000055000000");
        // PCI: the root bridge, the functions' locations, IDs, attributes, configuration space, device paths, option
        // ROM bytes (RomSize, RomImage), GetBarAttributes' answers and what Mem.Read/Io.Read give at each BAR's start
        Predicate<String> pci = l -> l.startsWith("pci");
        assertThat(select(emu, pci)).containsExactlyElementsOf(select(real, pci));
        assertThat(select(real, l -> l.startsWith("pci: device 0"))).hasSize(5);
        assertThat(select(real, l -> l.startsWith("pci-rom: "))).hasSize(78); // QEMU's stdvga ROM: 39 936 bytes
        assertThat(select(real, l -> l.startsWith("pci: bar ") && l.contains("(EFI_SUCCESS)"))).hasSizeGreaterThanOrEqualTo(3);
        // BAR sizing (all ones written, the masks read back, the registers restored), PollMem/PollIo (a match, a Delay
        // of 0, a time-out), CopyMem, SetBarAttributes, and the root bridge's attributes, Configuration, Mem/Io at the
        // BARs with their checks, polls, CopyMem and DMA: in the line-for-line comparison above, and there on OVMF
        assertThat(select(real, l -> l.startsWith("pci: bar-masks "))).hasSize(5).anyMatch(l -> l.contains("=ff000008"));
        assertThat(select(real, l -> l.startsWith("pci: config-after-sizing "))).hasSize(5);
        assertThat(select(real, l -> l.startsWith("pci: poll-") && l.contains("(EFI_TIMEOUT)"))).isNotEmpty();
        assertThat(select(real, l -> l.startsWith("pci: copy-mem bar ") && l.contains("framebuffer (EFI_SUCCESS)")))
                .hasSize(1);
        assertThat(select(real, l -> l.startsWith("pci: set-bar-attributes "))).isNotEmpty();
        assertThat(select(real, l -> l.startsWith("pci-rb: "))).hasSizeGreaterThanOrEqualTo(20)
                .contains("pci-rb: map operation 6 (EFI_INVALID_PARAMETER) bytes=0x1800 identity=no no-mapping=no unmap=-");
        // LocateHandleBuffer(ByProtocol) finds as many PciIo and PciRootBridgeIo handles as on OVMF, and as many handles
        // tagged console-out device (the display and the serial terminal) and standard-error device (the terminal)
        for (String guid : List.of("handle: 4cf5b200-68b8-4ca5-9eec-b23e3f50029a", "handle: 2f707ebb-4a1a-11d4-9a38-0090273fc14d",
                "handle: d3b36f2c-d551-11d4-9a46-0090273fc14d null", "handle: d3b36f2d-d551-11d4-9a46-0090273fc14d null")) {
            assertThat(emu.stream().filter(guid::equals).count()).as(guid).isEqualTo(real.stream().filter(guid::equals).count())
                    .isPositive();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g"})
    void documentedDifferencesStayAsDocumented(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        // the power-management facts of the FADT agree; revision, length and the SMI port do not
        String pm = "sci=9 .*pm1a-evt=0x600 pm1a-cnt=0x604 pm-tmr=0x608 pm1-evt-len=4 pm1-cnt-len=2 flags=0x84a5";
        assertThat(select(real, l -> l.startsWith("acpi: FADT revision"))).singleElement().asString().containsPattern(pm);
        assertThat(select(emu, l -> l.startsWith("acpi: FADT revision"))).singleElement().asString().containsPattern(pm);
        // efiemu presents OVMF's 11 configuration tables in OVMF's order (the profile's configuration-tables line)
        assertThat(select(emu, l -> l.startsWith("cfg: "))).containsExactlyElementsOf(select(real, l -> l.startsWith("cfg: ")))
                .contains("cfg: count=11");
        // OVMF's 183 handles less its three storage handles, plus efiemu's boot volume
        assertThat(emu).contains("handle: count=181 (EFI_SUCCESS)");
        assertThat(real).contains("handle: count=183 (EFI_SUCCESS)");
        // console-in devices: OVMF tags the PS/2 keyboard and the terminal (NULL-interface tags), and so does efiemu
        String conInDevice = "handle: d3b36f2b-d551-11d4-9a46-0090273fc14d null";
        assertThat(real.stream().filter(conInDevice::equals).count()).isEqualTo(2);
        assertThat(emu.stream().filter(conInDevice::equals).count()).isEqualTo(2);
        // the image always has a device handle with a device path, as under BDS
        assertThat(emu).anyMatch(l -> l.startsWith("fw: image device-path 02010c00d041030a0000000001010600021f03120a000000ffff0000"));
        assertThat(real).anyMatch(l -> l.startsWith("fw: image device-path 02010c00d041030a0000000001010600021f03120a000000ffff0000"));
        // COM1's SerialIo handle and the display's GOP handle carry OVMF's device paths
        for (String dp : List.of("handle: device-path 02010c00d041030a0000000001010600001f02010c00d041010500000000030e13000000000000c20100000000000801017fff0400",
                "handle: device-path 02010c00d041030a0000000001010600000102030800000101807fff0400")) {
            assertThat(real).contains(dp);
            assertThat(emu).contains(dp);
        }
    }

    /**
     * Under {@code -machine pc} OVMF names the boot disk on the PIIX3 IDE function, not on an AHCI port: the image's
     * device path starts {@code PciRoot(0x0)/Pci(0x1,0x1)/Ata(Primary,Master,0x0)} on both (the partition node after
     * it differs as on q35: QEMU's {@code fat:} disk is MBR, efiemu's boot volume GPT).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ovmf-pc-2g"})
    void bootVolumeOfThePcMachineHangsOnTheIdeControllerAsOnOvmf(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        String ide = "fw: image device-path 02010c00d041030a0000000001010600010103010800000000000401";
        assertThat(real).anyMatch(l -> l.startsWith(ide));
        assertThat(emu).anyMatch(l -> l.startsWith(ide));
        assertThat(emu).noneMatch(l -> l.startsWith("fw: image device-path") && l.contains("03120a00"));
    }

    /**
     * EFI_DISK_INFO_PROTOCOL of the boot disk as OVMF's AtaBus installs it: on q35's AHCI the AHCI interface GUID and
     * WhichIde (port 0, 0xFFFF); on pc's PIIX3 IDE the IDE interface GUID and WhichIde (channel 0, device 0); Identify's
     * model QEMU HARDDISK. OVMF's second DiskInfo handle is QEMU's CD-ROM, which efiemu does not present.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-pc-2g"})
    void diskInfoOfTheBootDiskEqualsRealOvmfsOnAhciAndOnIde(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu;
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(probe(), "BOOTX64.EFI").filePath("\\EFI\\BOOT\\BOOTX64.EFI")
                .esp(org.efiemu.uefi.fs.EspVolume.inMemory("ESP", false)).build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RESET);
            emu = probeLines(r.console().text(ConsoleListener.Source.SERIAL));
        }
        List<String> realDisks = select(real, l -> l.startsWith("diskinfo: ") && !l.startsWith("diskinfo: count="));
        List<String> emuDisks = select(emu, l -> l.startsWith("diskinfo: ") && !l.startsWith("diskinfo: count="));
        assertThat(realDisks).hasSize(2);
        assertThat(emuDisks).singleElement().isEqualTo(realDisks.get(0));
        assertThat(emuDisks.get(0)).contains(profile.contains("pc") ? "5e948fe3-26d3-42b5-af17-610287188dec which-ide "
                + "(EFI_SUCCESS) channel=0 device=0" : "9e498932-4abc-45af-a34d-0247787be7c6 which-ide (EFI_SUCCESS) "
                + "channel=0 device=65535");
    }

    /** The {@code handle:} lines cut into one group per handle (its head line and the lines that follow it). */
    private static List<List<String>> handleGroups(List<String> lines) {
        List<List<String>> groups = new java.util.ArrayList<>();
        for (String l : lines) {
            if (l.matches("handle: \\d{3,} protocols=\\d+")) {
                groups.add(new java.util.ArrayList<>(List.of(l)));
            } else if (l.startsWith("handle: ") && !l.startsWith("handle: count=") && !groups.isEmpty()) {
                groups.get(groups.size() - 1).add(l);
            }
        }
        return groups;
    }

    /** A handle of the run's boot media: Block I/O or a simple file system on it. */
    private static boolean storage(List<String> group) {
        return group.contains("handle: 964e5b21-6459-11d2-8e39-00a0c969723b")
                || group.contains("handle: 964e5b22-6459-11d2-8e39-00a0c969723b");
    }

    /**
     * Without the storage handles, and with handle indexes (the head's and loaded-image parent/device) renumbered in
     * the list without them; a device index naming a storage handle becomes {@code storage}, and the application's
     * loaded image device path (its boot volume's path + FilePath) is left out.
     */
    private static List<List<String>> machineHandles(List<String> lines) {
        List<List<String>> all = handleGroups(lines);
        java.util.Map<Integer, String> renumber = new java.util.HashMap<>();
        int n = 0;
        for (int i = 0; i < all.size(); i++) {
            renumber.put(i, storage(all.get(i)) ? "storage" : String.format("%03d", n++));
        }
        List<List<String>> out = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            List<String> g = all.get(i);
            if (storage(g)) {
                continue;
            }
            boolean application = g.stream().anyMatch(l -> l.startsWith("handle: loaded-image") && l.contains(" device=")
                    && renumber.getOrDefault(index(l, "device"), "").equals("storage"));
            List<String> h = new java.util.ArrayList<>();
            for (String l : g) {
                if (l.startsWith("handle: image-device-path") && application) {
                    continue;
                }
                String m = l.replaceFirst("^handle: \\d{3,} ", "handle: " + renumber.get(i) + " ");
                if (l.startsWith("handle: loaded-image")) {
                    for (String f : List.of("parent", "device")) {
                        int at = index(l, f);
                        if (at >= 0) {
                            m = m.replaceFirst(" " + f + "=\\d{3,}", " " + f + "=" + renumber.get(at));
                        }
                    }
                }
                h.add(m);
            }
            out.add(h);
        }
        return out;
    }

    private static int index(String loadedImageLine, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" " + field + "=(\\d{3,})").matcher(loadedImageLine);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void handleDatabaseAndHobListEqualRealOvmfHandleForHandle(String profile) {
        List<String> real = probeLines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        // the HOB list: every HOB byte for byte, the count
        Predicate<String> hobs = l -> l.startsWith("hob: ") || l.startsWith("cfg-data: hob");
        assertThat(select(emu, hobs)).containsExactlyElementsOf(select(real, hobs));
        assertThat(select(real, l -> l.startsWith("hob: "))).hasSizeGreaterThan(60);
        // the handle database: every handle but the capture run's boot media, in OVMF's order, with its protocols in
        // ProtocolsPerHandle order, its NULL interfaces, device path, loaded image device path and loaded image fields
        List<List<String>> realHandles = machineHandles(real);
        List<List<String>> emuHandles = machineHandles(emu);
        assertThat(realHandles).hasSize(180);
        for (int i = 0; i < realHandles.size(); i++) {
            assertThat(emuHandles.get(i)).as("handle %d of %s", i, profile).containsExactlyElementsOf(realHandles.get(i));
        }
        assertThat(emuHandles).hasSameSizeAs(realHandles);
        // OVMF's boot media: the SATA disk, the CD-ROM and the FAT partition; efiemu's: its boot volume
        assertThat(handleGroups(real).stream().filter(FirmwareProbeDifferentialTest::storage)).hasSize(3);
        assertThat(handleGroups(emu).stream().filter(FirmwareProbeDifferentialTest::storage)).hasSize(1);
    }
}
