package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InlineBlockCounting;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.junit.jupiter.api.Test;

/**
 * Debian's kernel ({@code linux-image-amd64}'s vmlinuz, an EFI application through its PE header) booted as the
 * application with load options, on the ovmf-q35-2g profile, to ExitBootServices: the initrd handed over through the
 * LINUX_EFI_INITRD_MEDIA_GUID LoadFile2 device path (as GRUB and systemd-boot do). The initrd named by {@code initrd=}
 * and read from the ESP, with the stub's efi=debug lines compared live with QEMU + OVMF (and with the stored capture
 * {@code linux/ovmf-q35-2g.vmlinuz-efi-debug.serial.txt}), is {@link LoaderDiffTest}'s.
 */
class LinuxEfiStubTest {
    /** The initrd: a newc header of zeros and TRAILER!!! (124 bytes); the stub only loads it. */
    static final byte[] INITRD = ("070701" + "0".repeat(104) + "TRAILER!!!\0\0\0\0").getBytes(StandardCharsets.US_ASCII);

    static BootResult boot(UefiMachineBuilder b) {
        try (UefiMachine m = b.build()) {
            return m.run();
        }
    }

    static UefiMachineBuilder kernel(String options) {
        Path vmlinuz = DebianEfi.vmlinuz();
        return UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(DebianEfi.bytes(vmlinuz), "vmlinuz.efi").loadOptions(options)
                .instructionCounting(InstructionCounting.BLOCKS).instructionBudget(20_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(60)).stopAfterExitBootServices(true); // a safety net: the budget bounds the run
    }

    /**
     * Also the stub's SETUP_PCI setup_data: one record, for the stdvga function whose option ROM OVMF's PciIo presents,
     * equal byte for byte (all but the chain's {@code next} pointer, which is an address) to the record OVMF's answers
     * give: the firmware-probe capture made on QEMU 7.2 + OVMF 2022.11 ({@code captures/ovmf-q35-2g.firmware.txt}:
     * vendor/device IDs, location, the ROM's 39 936 bytes), laid out as the stub's {@code struct pci_setup_rom}.
     */
    @Test
    void kernelLoadsTheInitrdFromTheLoadFile2DevicePathAndReachesExitBootServices() {
        BootResult r;
        List<byte[]> setupPci;
        String diag;
        try (UefiMachine m = kernel("console=ttyS0 efi=debug").initrd(INITRD).build()) {
            r = m.run();
            List<String> seen = new java.util.ArrayList<>();
            BootParams p = BootParams.find(m.machine().memory(), r.finalMap().orElseThrow(), m.systemTable().address(),
                    seen).orElseThrow(() -> new AssertionError("no boot_params: " + seen));
            setupPci = SetupPci.records(m.machine().memory(), p.address());
            diag = String.format("boot_params 0x%X, hdr.setup_data 0x%X", p.address(),
                    m.machine().memory().u64(p.address() + 0x250));
        }
        List<byte[]> onOvmf = SetupPci.expectedOnOvmf("ovmf-q35-2g");
        assertThat(onOvmf).hasSize(1);
        assertThat(onOvmf.get(0)).hasSize(SetupPci.HEADER + 39_936);
        assertThat(setupPci).as("SETUP_PCI records; %s; PCI calls: %s", diag, r.trace().stream()
                .filter(e -> e.service().contains("Pci") || e.service().startsWith("LocateHandle")).map(Object::toString)
                .limit(40).toList()).hasSize(onOvmf.size());
        for (int i = 0; i < setupPci.size(); i++) {
            byte[] emu = setupPci.get(i);
            byte[] real = onOvmf.get(i);
            assertThat(java.util.Arrays.copyOfRange(emu, 8, emu.length)).as("record %d after its next pointer", i)
                    .isEqualTo(java.util.Arrays.copyOfRange(real, 8, real.length));
        }
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(r.consoleText()).contains("Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        assertThat(r.trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("InitrdLoadFile2.LoadFile");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
        });
        assertThat(r.finalMap()).isPresent();
    }

    /**
     * The kernel's EFI stub (4.5 G instructions, its decompressor at 7.5 instructions per block) counted inline
     * (InlineBlockCounting) and by the counter's hook called at every block: the same count, blocks, registers, virtual
     * time, trace and console, byte for byte.
     */
    @Test
    void inlineBlockCountingGivesTheSameRunAsTheHookCalledAtEveryBlock() {
        String[] seen = new String[2];
        for (int i = 0; i < 2; i++) {
            boolean inline = i == 0;
            try (UefiMachine m = kernel("console=ttyS0 efi=debug").initrd(INITRD).build()) {
                BlockCounter counter = m.machine().clock().blockCounter();
                if (!inline) counter.inline(false);
                assertThat(counter.inline()).as("%s", InlineBlockCounting.status()).isEqualTo(inline);
                BootResult r = m.run();
                assertThat(r.outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
                if (inline) assertThat(counter.inlineTranslations()).isPositive();
                seen[i] = r + "\n" + r.stopReport().instructions() + " " + m.machine().clock().countedBlocks() + " "
                        + r.virtualNanos() + "\n" + r.stopReport().registers() + "\n" + m.trace().toJsonLines() + "\n"
                        + r.consoleText();
            }
        }
        assertThat(seen[1]).isEqualTo(seen[0]);
    }

    /** The lines the EFI stub printed: those starting with {@code EFI stub: }. */
    static List<String> stubLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("EFI stub: ")).toList();
    }
}
