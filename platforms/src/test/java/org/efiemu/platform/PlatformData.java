package org.efiemu.platform;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds /work/shared/platform-data as {@code ../shared/platform-data} relative to the repository root. */
public final class PlatformData {

    private PlatformData() {}

    /** The repository root: system property {@code efiemu.repo.root} (set by surefire), else walk up to a .git. */
    public static Path repoRoot() {
        String prop = System.getProperty("efiemu.repo.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "platforms"))) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(".git")) || Files.isRegularFile(p.resolve(".git"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found: set -Defiemu.repo.root or run inside the checkout");
    }

    public static Path dir() {
        return repoRoot().resolve("../shared/platform-data").normalize();
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }
}
