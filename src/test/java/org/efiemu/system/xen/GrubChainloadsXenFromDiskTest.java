package org.efiemu.system.xen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 2 end to end: the real GRUB (grub-mkstandalone, Debian grub-efi-amd64-bin) finds Xen on a GPT disk
 * image (sgdisk, mkfs.fat, mtools) with {@code search --file} and {@code chainloader}s it; Xen's EFI loader, started
 * with the disk partition as its device, reads its configuration, kernel and ramdisk from that partition through
 * SimpleFileSystem and reaches ExitBootServices.
 */
class GrubChainloadsXenFromDiskTest {

    private static void tool(Path dir, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (scripts/provision.sh installs gdisk, "
                    + "dosfstools, mtools, grub-efi-amd64-bin):\n" + out);
        }
    }

    private static Path file(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void grubSearchesAndChainloadsXenFromTheDiskAndXenReadsItsFilesThere(@TempDir Path dir) throws Exception {
        byte[] xen = XenEsp.xenBytes();
        Path img = dir.resolve("xen-disk.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        tool(dir, "sgdisk", "-n", "1:2048:+48M", "-t", "1:ef00", img.toString());
        tool(dir, "mkfs.fat", "-F", "16", "--offset", "2048", "-n", "XENESP", img.toString(), String.valueOf(48 * 1024));
        String part = img + "@@" + 2048 * 512;
        tool(dir, "mmd", "-i", part, "::/EFI");
        tool(dir, "mmd", "-i", part, "::/EFI/XEN");
        tool(dir, "mcopy", "-i", part, file(dir, "xen.efi", xen).toString(), "::/EFI/XEN/XEN.EFI");
        tool(dir, "mcopy", "-i", part, file(dir, "xen.cfg", XenEsp.resource("xen.cfg")).toString(), "::/EFI/XEN/XEN.cfg");
        tool(dir, "mcopy", "-i", part, file(dir, "vmlinuz", XenEsp.resource("vmlinuz")).toString(), "::/EFI/XEN/vmlinuz");
        tool(dir, "mcopy", "-i", part, file(dir, "initrd.img", XenEsp.resource("initrd.img")).toString(),
                "::/EFI/XEN/initrd.img");
        Path cfg = file(dir, "grub.cfg", """
                set pager=0
                search --no-floppy --file --set=root /EFI/XEN/XEN.EFI
                echo "xen on $root"
                chainloader /EFI/XEN/XEN.EFI
                boot
                """.getBytes(StandardCharsets.UTF_8));
        Path grub = dir.resolve("grubx64.efi");
        tool(dir, "grub-mkstandalone", "-O", "x86_64-efi", "-o", grub.toString(),
                "--modules=part_gpt fat search_fs_file echo chain",
                "--install-modules=part_gpt fat search search_fs_file echo chain normal ls cat test",
                "--locales=", "--fonts=", "--themes=", "boot/grub/grub.cfg=" + cfg);
        BootResult r;
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription()).payload(grub)
                .disk(img, false).stopAfterExitBootServices(true).instructionCounting(InstructionCounting.BLOCKS)
                .instructionBudget(3_000_000_000L).wallClockLimit(Duration.ofMinutes(3)).build()) {
            r = m.run();
        }
        String console = r.consoleText().replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
        assertThat(console).contains("xen on hd0,gpt1").contains("Xen 4.17.7 (c/s ) EFI loader")
                .contains("Using configuration file 'XEN.cfg'");
        assertThat(r.outcome()).as(console).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(r.trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("LoadImage");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
        });
    }
}
