package org.efiemu.uefi.disk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Builds disk images for tests with the real Debian tools (scripts/provision.sh installs them): sgdisk (gdisk),
 * sfdisk (fdisk), mkfs.fat (dosfstools), mcopy/mmd/mtype (mtools). A missing tool fails the test with the package
 * to install.
 */
public final class DiskImages {
    public static final String DISK_GUID = "5A3F0E1C-6D2B-4B8A-9C7E-1F2D3C4B5A69";
    public static final String ESP_GUID = "0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9";
    public static final String DATA_GUID = "7E6D5C4B-3A29-4817-8695-A4B3C2D1E0F1";

    private DiskImages() {
    }

    /** Runs {@code command} in {@code dir}; returns its output; fails with the output when it exits non-zero. */
    public static String run(Path dir, String stdin, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        pb.environment().put("TZ", "UTC");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(command[0] + " is not installed: run scripts/provision.sh (packages gdisk fdisk "
                    + "dosfstools mtools)", e);
        }
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    /**
     * A FAT image file of {@code kib} KiB made by mkfs.fat (FAT{@code bits}), holding {@code files} (pairs of
     * path-on-volume, content) copied in with mcopy.
     */
    public static Path fat(Path dir, String name, int bits, int kib, String... files) throws Exception {
        Path img = dir.resolve(name);
        Files.deleteIfExists(img);
        List<String> mk = new ArrayList<>(List.of("mkfs.fat", "-C", "-F", String.valueOf(bits), "-n", "EFIEMU", "-i",
                "12345678", "--invariant"));
        if (bits == 32) {
            mk.addAll(List.of("-s", "1"));
        }
        mk.addAll(List.of(img.toString(), String.valueOf(kib)));
        run(dir, null, mk.toArray(String[]::new));
        for (int i = 0; i < files.length; i += 2) {
            String path = files[i];
            String parent = path.substring(0, Math.max(0, path.lastIndexOf('/')));
            StringBuilder sofar = new StringBuilder();
            for (String part : parent.split("/")) {
                if (part.isEmpty()) {
                    continue;
                }
                sofar.append('/').append(part);
                try {
                    run(dir, null, "mmd", "-i", img.toString(), "::" + sofar);
                } catch (IllegalStateException exists) {
                    // already made for an earlier file
                }
            }
            Path content = dir.resolve("content-" + i);
            Files.writeString(content, files[i + 1]);
            run(dir, null, "mcopy", "-i", img.toString(), content.toString(), "::" + path);
        }
        return img;
    }

    /**
     * A 64 MiB GPT disk made by sgdisk: partition 1 an ESP at LBA 2048 of 32 MiB (GUID {@link #ESP_GUID}, name "ESP"),
     * partition 2 Linux data filling the rest ({@link #DATA_GUID}); {@code esp} (a FAT image) written into partition 1.
     */
    public static Path gpt(Path dir, String name, Path esp) throws Exception {
        Path img = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        run(dir, null, "sgdisk", "-U", DISK_GUID, "-n", "1:2048:+32M", "-t", "1:ef00", "-c", "1:ESP", "-u", "1:" + ESP_GUID,
                "-n", "2:0:0", "-t", "2:8300", "-c", "2:data", "-u", "2:" + DATA_GUID, img.toString());
        if (esp != null) {
            writeAt(img, 2048L * 512, Files.readAllBytes(esp));
        }
        return img;
    }

    /** A 64 MiB MBR disk made by sfdisk (signature 0x12345678): partition 1 type 0xEF at LBA 2048 of 32 MiB, 2 type 0x83. */
    public static Path mbr(Path dir, String name, Path esp) throws Exception {
        Path img = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        run(dir, "label: dos\nlabel-id: 0x12345678\nstart=2048, size=65536, type=ef\nstart=67584, type=83\n", "sfdisk",
                img.toString());
        if (esp != null) {
            writeAt(img, 2048L * 512, Files.readAllBytes(esp));
        }
        return img;
    }

    /**
     * A 64 MiB MBR disk made by sfdisk (signature 0x12345678) with an extended partition: partition 1 type 0xEF at LBA
     * 2048 of 32 MiB ({@code esp} written into it), partition 2 extended (type 0x05) from LBA 67584 to the end holding
     * logical partition 5 (type 0x83, LBA 69632, 10 MiB) and logical partition 6 (type 0x0C, LBA 92160 to the end;
     * {@code logical} written into it), linked by sfdisk's extended boot records at LBA 67584 and 90112.
     */
    public static Path extendedMbr(Path dir, String name, Path esp, Path logical) throws Exception {
        Path img = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        run(dir, "label: dos\nlabel-id: 0x12345678\nstart=2048, size=65536, type=ef\nstart=67584, type=5\n"
                + "start=69632, size=20480, type=83\nstart=92160, type=c\n", "sfdisk", img.toString());
        if (esp != null) {
            writeAt(img, 2048L * 512, Files.readAllBytes(esp));
        }
        if (logical != null) {
            writeAt(img, 92160L * 512, Files.readAllBytes(logical));
        }
        return img;
    }

    /**
     * The disk-probe payload's disk (the same bytes the OVMF capture was made with): {@link #gpt} with a FAT16 ESP
     * (label EFIEMU) holding {@code \EFI\BOOT\BOOTX64.EFI} = {@code efi} and {@code \HELLO.TXT}, and a FAT16 data
     * partition (label DATA) holding {@code \HELLO.TXT}.
     */
    public static Path probeDisk(Path dir, Path efiFile) throws Exception {
        Path efi = efiFile.toAbsolutePath();
        Path esp = fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "hello from the ESP\n");
        run(dir, null, "mmd", "-i", esp.toString(), "::/EFI");
        run(dir, null, "mmd", "-i", esp.toString(), "::/EFI/BOOT");
        run(dir, null, "mcopy", "-i", esp.toString(), efi.toString(), "::/EFI/BOOT/BOOTX64.EFI");
        Path img = gpt(dir, "probe.img", esp);
        Path data = dir.resolve("data.img");
        run(dir, null, "mkfs.fat", "-C", "-F", "16", "-n", "DATA", "-i", "87654321", "--invariant", data.toString(), "31727");
        Path content = dir.resolve("data-hello");
        Files.writeString(content, "data partition\n");
        run(dir, null, "mcopy", "-i", data.toString(), content.toString(), "::/HELLO.TXT");
        writeAt(img, 67584L * 512, Files.readAllBytes(data));
        return img;
    }

    public static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    public static byte[] readAt(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /**
     * Sets GPT entry {@code index} (0-based) StartingLBA/EndingLBA in the header at {@code headerLba} and its entry
     * array, recomputing both CRCs, so the table stays valid but says what the test wants.
     */
    public static void setGptEntry(Path img, long headerLba, int index, long start, long end) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readAt(img, headerLba * 512, 512)).order(ByteOrder.LITTLE_ENDIAN);
        long entryLba = h.getLong(72);
        int count = h.getInt(80);
        int size = h.getInt(84);
        ByteBuffer a = ByteBuffer.wrap(readAt(img, entryLba * 512, count * size)).order(ByteOrder.LITTLE_ENDIAN);
        a.putLong(index * size + 32, start);
        a.putLong(index * size + 40, end);
        CRC32 crc = new CRC32();
        crc.update(a.array());
        h.putInt(88, (int) crc.getValue());
        h.putInt(16, 0);
        CRC32 hc = new CRC32();
        hc.update(h.array(), 0, h.getInt(12));
        h.putInt(16, (int) hc.getValue());
        writeAt(img, entryLba * 512, a.array());
        writeAt(img, headerLba * 512, h.array());
    }
}
