package org.efiemu.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Finds profiles by name: the built-in ones (resources {@code org/efiemu/platform/profiles/<name>.profile}, listed in
 * {@code index.txt}) and a user folder of {@code <name>.profile} files. A user profile with a built-in's name wins.
 * Stateless apart from the folder it was given; safe to share between threads.
 */
public final class ProfileRegistry {

    static final String RESOURCE_DIR = "org/efiemu/platform/profiles/";
    public static final String EXTENSION = ".profile";

    /** Where a profile was found. */
    public enum Origin { BUILT_IN, USER, FILE }

    /**
     * One entry of {@link #list()}.
     *
     * @param name profile name
     * @param description its one-line description
     * @param origin built-in or user
     * @param location resource name or file path
     */
    public record Entry(String name, String description, Origin origin, String location) {}

    private final Path userDirectory;

    /** A registry whose user profiles live in {@code userDirectory} (need not exist yet). */
    public ProfileRegistry(Path userDirectory) {
        this.userDirectory = userDirectory;
    }

    /** The standard registry: {@code $EFIEMU_HOME/profiles}, else {@code ~/.config/efiemu/profiles}. */
    public static ProfileRegistry standard() {
        return new ProfileRegistry(defaultUserDirectory(System.getenv("EFIEMU_HOME"), System.getProperty("user.home")));
    }

    static Path defaultUserDirectory(String efiemuHome, String userHome) {
        if (efiemuHome != null && !efiemuHome.isBlank()) {
            return Path.of(efiemuHome, "profiles");
        }
        return Path.of(userHome, ".config", "efiemu", "profiles");
    }

    public Path userDirectory() {
        return userDirectory;
    }

    /** Names of the built-in profiles, from the resource index. */
    public static List<String> builtInNames() {
        String index = resource("index.txt").orElseThrow(() -> new IllegalStateException(
                "resource " + RESOURCE_DIR + "index.txt missing from the classpath"));
        return index.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** A built-in profile by name. */
    public static PlatformProfile builtIn(String name) {
        String text = resource(name + EXTENSION).orElseThrow(() -> new IllegalArgumentException(
                "no built-in profile '" + name + "'; built-in profiles: " + builtInNames()));
        return ProfileParser.parse(text, RESOURCE_DIR + name + EXTENSION);
    }

    /** The canonical text of a built-in profile as stored. */
    public static Optional<String> builtInText(String name) {
        return resource(name + EXTENSION);
    }

    private static Optional<String> resource(String file) {
        try (InputStream in = ProfileRegistry.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + RESOURCE_DIR + file, e);
        }
    }

    /** Every profile, user ones replacing built-ins of the same name, sorted by name. */
    public List<Entry> list() throws IOException {
        Map<String, Entry> byName = new TreeMap<>();
        for (String n : builtInNames()) {
            byName.put(n, new Entry(n, builtIn(n).description(), Origin.BUILT_IN, RESOURCE_DIR + n + EXTENSION));
        }
        if (Files.isDirectory(userDirectory)) {
            try (Stream<Path> files = Files.list(userDirectory)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(EXTENSION)).sorted().toList()) {
                    PlatformProfile p = ProfileParser.parse(f);
                    byName.put(p.name(), new Entry(p.name(), p.description(), Origin.USER, f.toString()));
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    /** A profile by name: the user folder first, then the built-ins. */
    public PlatformProfile load(String name) throws IOException {
        Path user = userDirectory.resolve(name + EXTENSION);
        if (Files.isRegularFile(user)) {
            return ProfileParser.parse(user);
        }
        if (builtInText(name).isPresent()) {
            return builtIn(name);
        }
        throw new IllegalArgumentException("no profile named '" + name + "': not in " + userDirectory
                + " and not built in; known: " + list().stream().map(Entry::name).toList());
    }

    /**
     * A profile by name or by file path: anything containing a path separator or ending in {@code .profile} is a
     * file; everything else a name.
     */
    public PlatformProfile resolve(String nameOrPath) throws IOException {
        if (nameOrPath.contains("/") || nameOrPath.contains(java.io.File.separator) || nameOrPath.endsWith(EXTENSION)) {
            Path p = Path.of(nameOrPath);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("profile file '" + nameOrPath + "' does not exist");
            }
            return ProfileParser.parse(p);
        }
        return load(nameOrPath);
    }

    /** Writes {@code profile} into the user folder as {@code <name>.profile}; returns the file. */
    public Path save(PlatformProfile profile) throws IOException {
        Path f = userDirectory.resolve(profile.name() + EXTENSION);
        ProfileWriter.write(profile, f);
        return f;
    }
}
