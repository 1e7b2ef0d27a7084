package org.efiemu.system.xen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debian's real Xen 4.17 EFI loader (xen-4.17-amd64.efi) through its whole EFI phase on every built-in profile:
 * banner, configuration file, kernel and ramdisk read with AllocateMaxAddress (xen/common/efi/boot.c read_file),
 * trampoline below 1 MiB or its fallback (xen/arch/x86/efi/efi-boot.h efi_arch_memory_setup), GetMemoryMap and
 * ExitBootServices (efi_exit_boot), then the switch to Xen's own page tables. Each run writes its report to
 * {@code target/xen-reports/<profile>.txt}.
 */
class XenEfiPhaseTest {
    private static byte[] xen;

    @BeforeAll
    static void loadXen() {
        xen = XenEsp.xenBytes();
    }

    static Stream<String> profiles() {
        return ProfileRegistry.builtInNames().stream();
    }

    static XenBoot bootAndReport(String profile) throws IOException {
        XenBoot boot = XenBoot.run(profile, xen);
        Path dir = Path.of("target", "xen-reports");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(profile + ".txt"), XenReport.text(boot));
        return boot;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void xenReadsItsConfigAndModulesThenExitsBootServicesAndSwitchesToItsOwnPageTables(String profile) throws IOException {
        XenBoot boot = bootAndReport(profile);

        assertThat(boot.console()).as(profile).contains("Xen 4.17.7 (c/s ) EFI loader")
                .contains("Using configuration file '" + XenEsp.CONFIG_NAME + "'");
        assertThat(boot.placements()).as("module placement lines on %s", profile)
                .extracting(XenBoot.Placement::file, XenBoot.Placement::size)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("vmlinuz", (long) XenEsp.resource("vmlinuz").length),
                        org.assertj.core.groups.Tuple.tuple("initrd.img", (long) XenEsp.resource("initrd.img").length));
        assertThat(boot.result().unimplementedCalls()).as("unimplemented services Xen called on %s", profile).isEmpty();
        assertThat(boot.result().violations()).as("firmware rules broken on %s", profile).isEmpty();
        assertThat(boot.leftFirmware()).as("%s: %s", profile, boot.stopSummary()).isTrue();
        assertThat(boot.result().finalMap()).as("final map on %s", profile).isPresent();
        assertThat(boot.exitBootServices().orElseThrow().caller()).startsWith(XenEsp.IMAGE_NAME + "+0x");
        assertThat(boot.adjustments()).as("workarounds needed for %s", profile).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void xensEfiPhaseCorruptsNoFirmwareMemory(String profile) {
        XenBoot boot = XenBoot.run(profile, xen);
        assertThat(boot.leftFirmware()).as(boot.stopSummary()).isTrue();
        assertThat(boot.firmwareFindings()).as("sanitizer findings of Xen's EFI phase on %s (besides the hand-off store)",
                profile).isEmpty();
        // the one store left is the hand-off: at the stop RIP, to Xen's virtual stack, after ExitBootServices
        assertThat(boot.sanitizer().findings()).hasSize(1).allSatisfy(f -> {
            assertThat(f.rip()).isEqualTo(boot.result().stopReport().rip());
            assertThat(boot.isHandOffStore(f)).as(f.toString()).isTrue();
        });
    }

    @Test
    void onOvmfXenFindsTheGopAndKeepsOvmfsCurrentMode1280x800AsOnRealOvmf() {
        // real OVMF: "(XEN)  VGA is graphics mode 1280x800, 32 bpp" (ovmf-q35-2g.serial.txt)
        XenBoot boot = XenBoot.run("ovmf-q35-2g", xen);
        assertThat(boot.result().trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("LocateHandle");
            assertThat(e.arguments()).contains("EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
        });
        assertThat(boot.result().trace()).filteredOn(e -> e.service().equals("GOP.QueryMode")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.status()).isEqualTo("EFI_SUCCESS"));
        assertThat(boot.graphicsMode()).contains("1280x800");
        assertThat(boot.leftFirmware()).as(boot.stopSummary()).isTrue();
    }

    @Test
    void serverProfilesHaveNoDisplaySoXenFindsNoGop() {
        XenBoot boot = XenBoot.run("dell-poweredge-r820", xen);
        assertThat(boot.graphicsMode()).isEmpty();
        assertThat(boot.result().trace()).noneMatch(e -> e.service().startsWith("GOP."));
    }

    @Test
    void modulesAreReadIntoPagesAllocatedBelowXensMaxAddressAndLoadedWhereXenSaysTheyAre() {
        XenBoot boot = XenBoot.run("ovmf-q35-2g", xen);
        List<XenReport.Labelled> calls = XenReport.memoryCalls(boot.result().trace());
        for (XenBoot.Placement p : boot.placements()) {
            ServiceCallEvent alloc = calls.stream().filter(l -> l.role().startsWith("contents of \"" + p.file() + "\""))
                    .map(XenReport.Labelled::event).findFirst().orElseThrow();
            assertThat(alloc.arguments()).as(alloc.summary()).startsWith("AllocateMaxAddress", "EfiLoaderData");
            assertThat(alloc.status()).isEqualTo("EFI_SUCCESS");
            assertThat(alloc.outputs()).as(alloc.summary()).containsExactly(String.format("0x%X", p.first()));
            assertThat(alloc.caller()).startsWith("xen.efi+0x");
        }
    }

    @Test
    void ovmfQ35HasLowMemorySoXensTrampolineIsAllocatedBelow1MiB() {
        XenBoot boot = XenBoot.run("ovmf-q35-2g", xen);
        ServiceCallEvent trampoline = trampoline(boot);
        assertThat(trampoline.status()).isEqualTo("EFI_SUCCESS");
        assertThat(Long.decode(trampoline.outputs().get(0))).isLessThan(0x100000L);
        assertThat(boot.console()).doesNotContain("Trampoline space cannot be allocated");
    }

    @Test
    void dellR820HasNoConventionalMemoryBelow1MiBSoXenTakesItsTrampolineFallback() {
        XenBoot boot = XenBoot.run("dell-poweredge-r820", xen);
        ServiceCallEvent trampoline = trampoline(boot);
        assertThat(trampoline.status()).as(trampoline.summary()).isEqualTo("EFI_OUT_OF_RESOURCES");
        assertThat(boot.console()).contains("Trampoline space cannot be allocated; will try fallback.");
        assertThat(boot.leftFirmware()).as(boot.stopSummary()).isTrue();
    }

    @Test
    void twoBootsOfXenOnTheSameProfileProduceTheSameTraceAndConsole() {
        XenBoot a = XenBoot.run("ovmf-q35-2g", xen);
        XenBoot b = XenBoot.run("ovmf-q35-2g", xen);
        assertThat(b.result().trace()).isEqualTo(a.result().trace());
        assertThat(b.console()).isEqualTo(a.console());
        assertThat(b.result().stopReport().instructions()).isEqualTo(a.result().stopReport().instructions());
    }

    private static ServiceCallEvent trampoline(XenBoot boot) {
        return XenReport.memoryCalls(boot.result().trace()).stream().filter(l -> l.role().startsWith("trampoline"))
                .map(XenReport.Labelled::event).findFirst()
                .orElseThrow(() -> new AssertionError("no trampoline AllocatePages(AllocateMaxAddress, ..., 0x100000) in "
                        + boot.result().trace()));
    }
}
