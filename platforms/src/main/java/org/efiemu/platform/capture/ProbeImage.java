package org.efiemu.platform.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The capture application: {@code platforms/src/main/c/ovmf-probe}, built by the platforms module into
 * {@code payloads/ovmf-probe.efi} on the class path (a reproducible PE32+ image, linked without a timestamp).
 */
public final class ProbeImage {
    /** Class-path resource name of the probe image. */
    public static final String RESOURCE = "payloads/ovmf-probe.efi";
    /** The ESP file the probe is written to, so firmware boots it as removable media (UEFI 2.10 §3.5.1.1). */
    public static final String BOOT_PATH = "EFI/BOOT/BOOTX64.EFI";
    /**
     * A file on the probe's volume that makes it end as a run on a real machine needs: no ExitBootServices, the report
     * written to {@link #REPORT_FILE} and COM1, a message on ConOut, return to the firmware. Without it (QEMU, efiemu)
     * the probe calls ExitBootServices, prints everything on COM1 and shuts the machine down.
     */
    public static final String RETURN_MARKER = "EFI/BOOT/EFIEMU.CFG";
    /** The marker file's content, also accepted as LoadOptions. */
    public static final String RETURN_OPTION = "end=return";
    /** The report file the probe writes at the root of its volume when started from a USB stick. */
    public static final String REPORT_FILE = "EFIEMU-CAPTURE.TXT";

    private ProbeImage() {}

    /** The probe's bytes. */
    public static byte[] bytes() {
        try (InputStream in = ProbeImage.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path: the platforms module builds it from "
                        + "platforms/src/main/c/ovmf-probe (gcc, GNU ld and the gnu-efi headers)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
