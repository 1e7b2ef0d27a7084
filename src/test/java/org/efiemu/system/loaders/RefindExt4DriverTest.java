package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real third-party UEFI driver on efiemu's driver model (UEFI 2.10 §7.3.12 ConnectController, §11.1 Driver Binding):
 * Debian's rEFInd 0.13.2 {@code drivers_x64/ext4_x64.efi} (package {@code refind}, fetched by
 * scripts/fetch-debian-efi.sh), loaded and started by the {@code ext4-read} payload from the ESP, connected to the
 * block devices of a {@code --disk} whose GPT partition 1 is an ext4 file system made by {@code mkfs.ext4 -d}; the
 * payload then reads files through the Simple File System the driver installed, as systemd-boot and rEFInd do with their
 * drivers folders.
 */
class RefindExt4DriverTest {
    @TempDir
    static Path dir;
    private static BootResult result;

    static void tool(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "; "
                    + "scripts/provision.sh installs gdisk and e2fsprogs): " + out);
        }
    }

    /** A 16 MiB GPT disk: partition 1 (Linux filesystem, LBA 2048, 8 MiB) an ext4 file system holding {@code root}. */
    static Path ext4Disk(Path dir, Path root) throws Exception {
        Path img = dir.resolve("ext4.img");
        try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0);
            f.position(16L * 1024 * 1024 - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        tool(dir, Map.of(), "sgdisk", "-U", "5A3F0E1C-6D2B-4B8A-9C7E-1F2D3C4B5A69", "-n", "1:2048:+8M", "-t", "1:8300",
                "-u", "1:7E6D5C4B-3A29-4817-8695-A4B3C2D1E0F1", img.toString());
        // fixed UUID, hash seed and time: the same file system on every run
        tool(dir, Map.of("E2FSPROGS_FAKE_TIME", "1700000000"), "mkfs.ext4", "-q", "-F", "-T", "small",
                "-E", "offset=1048576,hash_seed=11111111-2222-3333-4444-555555555555",
                "-U", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "-L", "EFIEMU4", "-d", root.toString(), img.toString(), "8M");
        return img;
    }

    @BeforeAll
    static void boot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/dir"));
        Files.writeString(dir.resolve("root/hello.txt"), "hello from ext4\n", StandardCharsets.US_ASCII);
        Files.writeString(root.resolve("sub.txt"), "nested file\n", StandardCharsets.US_ASCII);
        Path img = ext4Disk(dir, dir.resolve("root"));
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Path app = Files.copy(Path.of("target/test-classes/payloads/ext4-read.efi").toAbsolutePath(),
                esp.resolve("ext4-read.efi"));
        Files.copy(DebianEfi.file("refind", "usr/share/refind/refind/drivers_x64/ext4_x64.efi"),
                esp.resolve("ext4_x64.efi"));
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription()).esp(esp, false)
                .payload(app).disk(img, true).instructionBudget(2_000_000_000L).build()) {
            result = m.run();
        }
    }

    private static List<String> lines() {
        return result.consoleText().replace("\r", "").lines().filter(l -> l.startsWith("e4 ")).toList();
    }

    @Test
    void rEFIndsExt4DriverServesTheExt4PartitionThroughSimpleFileSystem() {
        assertThat(result.outcome()).as(result::toString).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines()).as(result.consoleText()).containsSubsequence("e4 begin", "e4 load EFI_SUCCESS",
                "e4 start EFI_SUCCESS", "e4 driver-bindings 1", "e4 open-volume EFI_SUCCESS",
                "e4 open hello.txt EFI_SUCCESS", "e4 read hello.txt EFI_SUCCESS 16 'hello from ext4'",
                "e4 open dir/sub.txt EFI_SUCCESS", "e4 read dir/sub.txt EFI_SUCCESS 12 'nested file'",
                "e4 open missing.txt EFI_NOT_FOUND", "e4 end");
    }

    @Test
    void theDriversSupportedAndStartRunInsideConnectController() {
        List<String> connects = result.trace().stream().filter(e -> e.service().equals("ConnectController"))
                .map(ServiceCallEvent::summary).toList();
        assertThat(connects).anySatisfy(c -> assertThat(c).contains("DriverBinding.Start(",
                "of ext4_x64.efi: EFI_SUCCESS"));
    }
}
