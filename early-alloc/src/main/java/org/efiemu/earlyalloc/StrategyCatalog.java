package org.efiemu.earlyalloc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds strategies: the built-in ones (resources {@code org/efiemu/earlyalloc/strategies/}, listed in report order by
 * {@code index.txt}) and user strategies ({@code <name>.strategy} files anywhere, payload path relative to the
 * descriptor's folder). Stateless.
 */
public final class StrategyCatalog {
    /** Resource folder of the built-in descriptors. */
    public static final String RESOURCE_DIR = "org/efiemu/earlyalloc/strategies/";
    /** File extension of a descriptor. */
    public static final String EXTENSION = ".strategy";
    private static final String CLASSPATH = "classpath:";

    private StrategyCatalog() {
    }

    /** Names of the built-in strategies in report order. */
    public static List<String> builtInNames() {
        String index = resourceText(RESOURCE_DIR + "index.txt");
        List<String> names = new ArrayList<>();
        for (String line : index.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                names.add(l);
            }
        }
        return List.copyOf(names);
    }

    /** All built-in strategies with their payloads, in report order. */
    public static List<Strategy> builtIns() {
        return builtInNames().stream().map(StrategyCatalog::builtIn).toList();
    }

    /**
     * One built-in strategy.
     *
     * @throws IllegalArgumentException naming the unknown strategy and the known ones
     */
    public static Strategy builtIn(String name) {
        String resource = RESOURCE_DIR + name + EXTENSION;
        if (StrategyCatalog.class.getClassLoader().getResource(resource) == null) {
            throw new IllegalArgumentException("unknown strategy '" + name + "': expected a built-in name "
                    + builtInNames() + " or a path to a " + EXTENSION + " file");
        }
        StrategyDescriptor d = StrategyDescriptor.parse(resourceText(resource), "classpath:" + resource);
        return withPayload(d, null);
    }

    /**
     * A built-in name, or a path to a {@code .strategy} file (anything containing '/' or ending in
     * {@value #EXTENSION}).
     */
    public static Strategy resolve(String nameOrPath) throws IOException {
        if (nameOrPath.contains("/") || nameOrPath.endsWith(EXTENSION)) {
            return load(Path.of(nameOrPath));
        }
        return builtIn(nameOrPath);
    }

    /** Reads a user descriptor file and its payload. */
    public static Strategy load(Path descriptorFile) throws IOException {
        String text;
        try {
            text = Files.readString(descriptorFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("strategy descriptor " + descriptorFile + " does not exist", e);
        }
        StrategyDescriptor d = StrategyDescriptor.parse(text, descriptorFile.toString());
        Path folder = descriptorFile.toAbsolutePath().getParent();
        return withPayload(d, folder);
    }

    private static Strategy withPayload(StrategyDescriptor d, Path folder) {
        String payload = d.payload();
        if (payload.startsWith(CLASSPATH)) {
            String resource = payload.substring(CLASSPATH.length());
            byte[] bytes = resourceBytes(resource, d);
            return new Strategy(d, fileName(resource), bytes);
        }
        if (folder == null) {
            throw new IllegalArgumentException(d.origin() + ": a built-in strategy's payload must be 'classpath:...', got '" + payload + "'");
        }
        Path file = folder.resolve(payload);
        try {
            return new Strategy(d, file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(d.origin() + ": cannot read payload " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static String fileName(String resource) {
        return resource.substring(resource.lastIndexOf('/') + 1);
    }

    private static byte[] resourceBytes(String resource, StrategyDescriptor d) {
        try (InputStream in = StrategyCatalog.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(d.origin() + ": payload resource '" + resource
                        + "' is not on the classpath (were the C payloads built? mvn generate-resources -pl early-alloc)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + resource, e);
        }
    }

    static String resourceText(String resource) {
        try (InputStream in = StrategyCatalog.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource '" + resource + "' is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + resource, e);
        }
    }
}
