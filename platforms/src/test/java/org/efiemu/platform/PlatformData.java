package org.efiemu.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real machine dumps the tests and the built-in profiles are made from: {@code platforms/machines/} in this
 * repository (each file starts with {@code #} lines naming its public source, the machine and the firmware).
 */
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

    /** The folder in the repository holding the dumps. */
    public static final String REPO_DIR = "platforms/machines";

    public static Path dir() {
        return repoRoot().resolve(REPO_DIR);
    }

    /** {@code platforms/machines/NAME}: how profiles' {@code source:} lines name a dump (relative to the repository). */
    public static String repoPath(String name) {
        return REPO_DIR + "/" + name;
    }

    /**
     * {@code platforms/machines/NAME (URL)}: the dump's place in the repository and the public address its
     * {@code # SOURCE:} header line gives, as the built-in profiles' {@code source:} lines cite it.
     */
    public static String cite(String name) throws IOException {
        for (String line : Files.readAllLines(file(name))) {
            if (line.startsWith("# SOURCE: ")) {
                String url = line.substring("# SOURCE: ".length()).trim().split("\\s+")[0];
                return repoPath(name) + " (" + url + ")";
            }
        }
        throw new IllegalStateException(file(name) + ": no '# SOURCE: ' header line naming where the dump came from");
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }
}
