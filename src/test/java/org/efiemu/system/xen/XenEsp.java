package org.efiemu.system.xen;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.uefi.fs.EspVolume;

/**
 * The system tests' EFI System Partition for Debian's Xen 4.17 EFI loader, laid out exactly as
 * {@code src/test/xen/run-xen-on-ovmf.sh} lays it out for real OVMF:
 *
 * <pre>
 *   \EFI\BOOT\BOOTX64.EFI   xen-4.17-amd64.efi (scripts/fetch-xen-efi.sh)
 *   \EFI\BOOT\BOOTX64.cfg   resources xen/xen.cfg: Xen looks up "&lt;its file name without extension&gt;.cfg" in the
 *                           directory of its LoadedImage FilePath (xen/common/efi/boot.c, efi_start)
 *   \EFI\BOOT\vmlinuz, \EFI\BOOT\initrd.img   small generated files (Xen's EFI phase only reads them)
 * </pre>
 */
final class XenEsp {
    /** System property naming the Xen image (as in emulator-core's XenEfiImageTest). */
    static final String PROPERTY = "efiemu.xen.efi";
    /** The loader's LoadedImage FilePath on the ESP. */
    static final String LOADER_PATH = "\\EFI\\BOOT\\BOOTX64.EFI";
    /** The configuration file Xen derives from {@link #LOADER_PATH}. */
    static final String CONFIG_NAME = "BOOTX64.cfg";
    /** Name of the image in traces and call sites ({@code xen.efi+0x2A3F1}). */
    static final String IMAGE_NAME = "xen.efi";

    private XenEsp() {
    }

    /** The Xen EFI image: {@code -Defiemu.xen.efi}, else the fetch script's default cache path. */
    static Path xenImage() {
        String configured = System.getProperty(PROPERTY);
        Path path;
        if (configured != null && !configured.isBlank()) {
            path = Path.of(configured);
        } else {
            String cache = System.getenv("XDG_CACHE_HOME");
            Path cacheDir = cache != null && !cache.isBlank() ? Path.of(cache)
                    : Path.of(System.getProperty("user.home"), ".cache");
            path = cacheDir.resolve("efiemu/xen/xen-4.17-amd64.efi");
        }
        if (!Files.isRegularFile(path)) {
            return fail("The real Xen EFI image is missing at %s. Fetch it (no hypervisor is installed) with "
                    + "scripts/fetch-xen-efi.sh, or point -D%s=<path to xen-4.17-amd64.efi> at a copy.", path, PROPERTY);
        }
        return path;
    }

    static byte[] xenBytes() {
        try {
            return Files.readAllBytes(xenImage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the Xen image " + xenImage(), e);
        }
    }

    /** A resource under {@code xen/} of the test class path. */
    static byte[] resource(String name) {
        try (InputStream in = XenEsp.class.getResourceAsStream("/xen/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource xen/" + name + " is missing (src/test/resources/xen/)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading test resource xen/" + name, e);
        }
    }

    /** A fresh read-only in-memory ESP holding the loader, its configuration, the kernel and the ramdisk. */
    static EspVolume volume(byte[] xen) {
        return EspVolume.inMemory("ESP", false)
                .addFile(LOADER_PATH, xen)
                .addFile("\\EFI\\BOOT\\" + CONFIG_NAME, resource("xen.cfg"))
                .addFile("\\EFI\\BOOT\\vmlinuz", resource("vmlinuz"))
                .addFile("\\EFI\\BOOT\\initrd.img", resource("initrd.img"));
    }
}
