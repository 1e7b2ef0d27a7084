package org.efiemu.system.loaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Unified Kernel Image built as {@code ukify} lays one out, with {@code objcopy --add-section}: the systemd stub
 * ({@code systemd-boot-efi}'s linuxx64.efi.stub, systemd 252) with {@code .osrel}, {@code .cmdline}, {@code .linux}
 * (Debian's vmlinuz) and {@code .initrd} sections. The stub finds its payload sections by name; their addresses lie
 * above the stub's own image.
 */
final class UnifiedKernelImage {
    /** The command line in {@code .cmdline} (the stub uses the LoadOptions instead when it is given some). */
    static final String CMDLINE = "efi=debug console=ttyS0 panic=1";

    /** The {@code .linux} section's RVA (its VMA in the objcopy command). */
    static final long LINUX_RVA = 0x2000000;

    private UnifiedKernelImage() {
    }

    /** Builds {@code uki.efi} in {@code dir} and returns its path. */
    static Path build(Path dir) throws IOException, InterruptedException {
        Path stub = DebianEfi.file("systemd-boot-efi", "usr/lib/systemd/boot/efi/linuxx64.efi.stub");
        Path osrel = Files.writeString(dir.resolve("os-release"), "NAME=\"Debian GNU/Linux\"\nID=debian\n");
        Path cmdline = Files.writeString(dir.resolve("cmdline"), CMDLINE);
        Path initrd = Files.write(dir.resolve("initrd"), LinuxEfiStubTest.INITRD);
        Path uki = dir.resolve("uki.efi");
        Process p = new ProcessBuilder("objcopy", "--add-section", ".osrel=" + osrel, "--change-section-vma",
                ".osrel=0x20000", "--add-section", ".cmdline=" + cmdline, "--change-section-vma", ".cmdline=0x30000",
                "--add-section", ".linux=" + DebianEfi.vmlinuz(), "--change-section-vma", ".linux=0x2000000",
                "--add-section", ".initrd=" + initrd, "--change-section-vma", ".initrd=0x3000000", stub.toString(),
                uki.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("objcopy building " + uki + " failed (exit " + p.exitValue() + "): " + out);
        }
        return uki;
    }
}
