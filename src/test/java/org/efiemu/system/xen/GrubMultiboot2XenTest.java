package org.efiemu.system.xen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InlineBlockCounting;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.StoreFastPath;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 1's chain end to end, untimed (the timed one is scripts/bench-grub-xen.sh): Debian's GRUB
 * ({@code grub-mkstandalone}, grub-efi-amd64-bin) loads Xen 4.17's multiboot2 image ({@code xen-4.17-amd64.gz}, a
 * gzip'd ELF from the same package as {@code xen.efi}, kept beside it by scripts/fetch-xen-efi.sh) from its memdisk
 * with {@code multiboot2}, and a module with {@code module2}; Xen's multiboot2 EFI entry then runs on the firmware
 * GRUB leaves (boot services still up) and reaches ExitBootServices. The bench uses a real Debian kernel as module;
 * here a small file stands in (Xen's EFI phase does not look inside its modules), which keeps the run short. Xen's
 * call sites are named after its image, found by its Multiboot2 header ({@code multiboot2@0x7DA00000+0x1E4F29}).
 */
class GrubMultiboot2XenTest {
    private static Path grub;

    private static void tool(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command)
                    + " failed (scripts/provision.sh installs grub-efi-amd64-bin):\n" + out);
        }
    }

    @BeforeAll
    static void buildGrubImage(@TempDir Path dir) throws Exception {
        Path xenGz = XenEsp.xenImage().resolveSibling("xen-4.17-amd64.gz");
        assertThat(xenGz).as("Xen's multiboot2 image beside xen.efi: run scripts/fetch-xen-efi.sh").isRegularFile();
        Files.copy(xenGz, dir.resolve("xen.gz"));
        Files.write(dir.resolve("module"), XenEsp.resource("vmlinuz"));
        Files.writeString(dir.resolve("grub.cfg"), """
                set timeout=0
                insmod multiboot2
                multiboot2 /xen.gz console=com1 com1=115200,8n1 loglvl=all noreboot
                module2 /module console=hvc0
                boot
                """);
        grub = dir.resolve("grubx64.efi");
        tool(dir, "grub-mkstandalone", "-O", "x86_64-efi", "-o", grub.toString(), "--locales=", "--fonts=",
                "--themes=", "boot/grub/grub.cfg=grub.cfg", "xen.gz=xen.gz", "module=module");
    }

    record Boot(BootResult result, String traceJson, long instructions, StoreFastPath.Stats stores, long blocks,
            long inlineTranslations, long[] counterPortReads, boolean counterPortsInC) {}

    /** The first boot with the store fast path on (the default), shared by the tests of this class. */
    private static Boot defaultBoot;

    private static synchronized Boot defaultBoot() {
        if (defaultBoot == null) defaultBoot = boot(true);
        return defaultBoot;
    }

    private static Boot boot() {
        return boot(true);
    }

    private static Boot boot(boolean storeFastPath) {
        return boot(storeFastPath, true);
    }

    private static Boot boot(boolean storeFastPath, boolean inlineBlockCounting) {
        return boot(storeFastPath, inlineBlockCounting, true);
    }

    private static Boot boot(boolean storeFastPath, boolean inlineBlockCounting, boolean nativeClockPorts) {
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription()).payload(grub)
                .stopAfterExitBootServices(true).instructionCounting(InstructionCounting.BLOCKS)
                .storeFastPath(storeFastPath).nativeClockPorts(nativeClockPorts)
                .instructionBudget(3_000_000_000L).wallClockLimit(Duration.ofMinutes(5)).build()) {
            BlockCounter counter = m.machine().clock().blockCounter();
            if (!inlineBlockCounting) counter.inline(false);
            assertThat(counter.inline()).as("%s", InlineBlockCounting.status()).isEqualTo(inlineBlockCounting);
            BootResult r = m.run();
            return new Boot(r, m.trace().toJsonLines(), r.stopReport().instructions(),
                    m.machine().engine().storeFastPathStats(), m.machine().clock().countedBlocks(),
                    counter.inlineTranslations(), m.machine().counterPortReads(), m.machine().counterPortsInC());
        }
    }

    /**
     * Unicorn's store fast path (stores to pages holding no translated code skip its helper path; see
     * StoreFastPath) changes nothing the guest can see: the same instruction count and the same trace, byte for
     * byte, as Unicorn's stock store path. It must be active here (Debian's libunicorn2, as provisioned).
     */
    @Test
    void theStoreFastPathGivesTheSameInstructionCountAndTraceAsUnicornsStockStorePath() {
        assertThat(StoreFastPath.status().active()).as("%s", StoreFastPath.status()).isTrue();
        Boot on = defaultBoot();
        Boot off = boot(false);
        assertThat(on.result().outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(off.result().outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(on.stores().enabled()).isTrue();
        assertThat(on.stores().fastFills()).as("TLB entries left on the fast path").isPositive();
        assertThat(off.stores().fastFills()).isZero();
        assertThat(off.instructions()).isEqualTo(on.instructions());
        assertThat(off.traceJson()).isEqualTo(on.traceJson());
        assertThat(off.result().consoleText()).isEqualTo(on.result().consoleText());
    }

    /**
     * Blocks counted inline (InlineBlockCounting: no hook call per block) give the same instruction count, blocks,
     * trace and console, byte for byte, as the counter's hook called at every block; GRUB's RDTSC reads, ACPI PM timer
     * polls and timer interrupts at virtual times all depend on exact counts.
     */
    @Test
    void inlineBlockCountingGivesTheSameInstructionCountAndTraceAsTheHookCalledAtEveryBlock() {
        Boot inline = defaultBoot();
        Boot called = boot(true, false);
        assertThat(inline.result().outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(inline.inlineTranslations()).as("translations counting inline").isPositive();
        assertThat(called.inlineTranslations()).isZero();
        assertThat(called.instructions()).isEqualTo(inline.instructions());
        assertThat(called.blocks()).isEqualTo(inline.blocks());
        assertThat(called.traceJson()).isEqualTo(inline.traceJson());
        assertThat(called.result().consoleText()).isEqualTo(inline.result().consoleText());
        assertThat(called.result().stopReport().registers()).isEqualTo(inline.result().stopReport().registers());
        assertThat(called.result().virtualNanos()).isEqualTo(inline.result().virtualNanos());
    }

    /**
     * GRUB's TSC calibration polls the ACPI PM timer ~180 000 times: answered in C (NativeClockPorts, the default) the
     * run is the same, byte for byte, as with every read answered by the Java device, and the C path answered them.
     */
    @Test
    void pmTimerReadsAnsweredInCGiveTheSameInstructionCountTraceAndConsoleAsTheJavaDevice() {
        Boot inC = defaultBoot();
        Boot inJava = boot(true, true, false);
        assertThat(inC.result().outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(inC.counterPortsInC()).isTrue();
        assertThat(inJava.counterPortsInC()).isFalse();
        assertThat(inC.counterPortReads()[0]).as("PM timer reads answered in C").isGreaterThan(100_000);
        assertThat(inC.counterPortReads()[1]).as("reads handed to Java (positions learnt)").isLessThan(1_000);
        assertThat(inJava.instructions()).isEqualTo(inC.instructions());
        assertThat(inJava.blocks()).isEqualTo(inC.blocks());
        assertThat(inJava.traceJson()).isEqualTo(inC.traceJson());
        assertThat(inJava.result().consoleText()).isEqualTo(inC.result().consoleText());
        assertThat(inJava.result().stopReport().registers()).isEqualTo(inC.result().stopReport().registers());
        assertThat(inJava.result().virtualNanos()).isEqualTo(inC.result().virtualNanos());
    }

    @Test
    void grubLoadsXenByMultiboot2AndXensEfiEntryExitsBootServicesTheSameWayOnEveryRun() {
        Boot first = defaultBoot();
        BootResult r = first.result();
        assertThat(r.outcome()).as(r.consoleText()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        List<ServiceCallEvent> trace = r.trace();
        ServiceCallEvent ebs = trace.get(trace.size() - 1);
        assertThat(ebs.service()).isEqualTo("ExitBootServices");
        assertThat(ebs.status()).isEqualTo("EFI_SUCCESS");
        // the call comes from Xen, which GRUB placed in memory it allocated, not from GRUB's own image
        assertThat(r.image().contains(ebs.callerRip())).as(ebs.caller()).isFalse();
        // and is named after Xen's image, found by its Multiboot2 header: GRUB placed it 2 MiB-aligned (Xen's
        // relocatable tag), so the name is multiboot2@<2 MiB-aligned base>+offset, never a raw address
        assertThat(ebs.caller()).matches("multiboot2@0x[0-9A-F]*[02468ACE]00000\\+0x[0-9A-F]+");
        assertThat(trace).filteredOn(e -> !r.image().contains(e.callerRip())).extracting(ServiceCallEvent::service)
                .as("Xen's own EFI calls before ExitBootServices").contains("GetMemoryMap", "ExitBootServices");

        Boot second = boot();
        assertThat(second.instructions()).isEqualTo(first.instructions());
        assertThat(second.traceJson()).isEqualTo(first.traceJson());
    }
}
