package org.efiemu.system.loaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Real EFI binaries from Debian packages, fetched (not installed) by {@code scripts/fetch-debian-efi.sh} into the user's
 * cache ({@code ~/.cache/efiemu/debian/<package>}); the script does nothing when a package is already there.
 */
final class DebianEfi {
    private DebianEfi() {
    }

    /** The folder {@code pkg} is extracted in, fetching it first when needed. */
    static Path extracted(String pkg) {
        Path script = repo().resolve("scripts/fetch-debian-efi.sh");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), pkg).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(script + " " + pkg + " failed (exit " + p.exitValue() + "); it needs "
                        + "apt-get and Debian 12 package lists (apt-get update)");
            }
            return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        } catch (IOException e) {
            throw new IllegalStateException("running " + script + " " + pkg + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching " + pkg, e);
        }
    }

    /** A file of an extracted package, e.g. {@code file("shim-unsigned", "usr/lib/shim/shimx64.efi")}. */
    static Path file(String pkg, String path) {
        Path f = extracted(pkg).resolve(path);
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException(pkg + " holds no " + path + " (in " + f.getParent() + ")");
        }
        return f;
    }

    /** Debian's kernel image (boot/vmlinuz-* of the package linux-image-amd64 depends on). */
    static Path vmlinuz() {
        try (Stream<Path> s = Files.list(extracted("linux-image-amd64").resolve("boot"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no boot/vmlinuz-* in the linux-image package"));
        } catch (IOException e) {
            throw new IllegalStateException("listing the linux-image package: " + e.getMessage(), e);
        }
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException("reading " + p + ": " + e.getMessage(), e);
        }
    }

    /** The repository root (the system tests run in src/test). */
    static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/fetch-debian-efi.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find scripts/fetch-debian-efi.sh above " + here);
    }
}
