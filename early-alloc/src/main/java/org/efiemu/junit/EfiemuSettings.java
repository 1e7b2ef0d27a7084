package org.efiemu.junit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.efiemu.platform.ProfileRegistry;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The settings of one {@link EfiemuTest} method, from its attributes and the JUnit configuration parameters, checked
 * once before any invocation. Immutable.
 *
 * @param platforms       profile names or files, one invocation each
 * @param payloadName     the payload's file name (for traces)
 * @param payload         the PE32+ bytes
 * @param instructionBudget instruction budget, or -1 for UefiMachine's default
 * @param wallClockSeconds wall-clock limit in seconds, or -1 for UefiMachine's default
 * @param untilExitBootServices stop the run when ExitBootServices succeeds
 * @param loadAddress     load address, or -1 for EDK2's policy
 * @param loadOptions     LoadedImage LoadOptions
 * @param keep            when to keep the run's files
 * @param artifactsRoot   the folder the runs' folders go in
 * @param sanitizer       attach the memory-ownership sanitizer
 * @param esp             the ESP folder, or null for none
 * @param espWritable     the guest may write the ESP folder
 * @param budgetSource    where the instruction budget came from, for a failure that hits it
 * @param wallClockSource where the wall-clock limit came from, for a failure that hits it
 * @param keys            the keys ConIn delivers, each at its virtual time
 * @param rngSeed         the EFI_RNG_PROTOCOL seed, or null for no RNG protocol
 * @param disks           disk image files (checked to exist)
 * @param diskReadOnly    the disks' media are read-only
 * @param bootFromDisk    no payload was named: {@code payload} is \EFI\BOOT\BOOTX64.EFI read from the first disk
 *                        that has it, and the machine boots it from there (DeviceHandle = its partition)
 */
record EfiemuSettings(List<String> platforms, String payloadName, byte[] payload, long instructionBudget,
        long wallClockSeconds, boolean untilExitBootServices, long loadAddress, String loadOptions,
        EfiemuTest.Keep keep, Path artifactsRoot, boolean sanitizer, Path esp,
        boolean espWritable, String budgetSource, String wallClockSource, org.efiemu.uefi.protocol.KeyScript keys,
        Long rngSeed, List<Path> disks, boolean diskReadOnly, boolean bootFromDisk) {

    static final String PLATFORM_DEFAULT = "efiemu.platform.default";
    static final String PAYLOAD_DEFAULT = "efiemu.payload.default";
    static final String BUDGET_DEFAULT = "efiemu.instructionBudget.default";
    static final String WALL_CLOCK_DEFAULT = "efiemu.wallClockSeconds.default";
    static final String ARTIFACTS_DIR = "efiemu.artifacts.dir";
    static final String ARTIFACTS_KEEP = "efiemu.artifacts.keep";
    static final String SANITIZER_DEFAULT = "efiemu.sanitizer.default";
    static final String DEFAULT_ARTIFACTS_DIR = "target/efiemu-artifacts";

    static EfiemuSettings of(ExtensionContext context) {
        Method m = context.getRequiredTestMethod();
        String where = "@EfiemuTest on " + m.getDeclaringClass().getSimpleName() + "." + m.getName();
        EfiemuTest t = AnnotationSupport.findAnnotation(m, EfiemuTest.class).orElseThrow(() ->
                new ExtensionConfigurationException("EfiemuExtension drives methods annotated @EfiemuTest; "
                        + m.getName() + " has none: annotate it @EfiemuTest(...)"));
        Optional<AllPlatforms> all = AnnotationSupport.findAnnotation(m, AllPlatforms.class);
        List<String> platforms = platforms(t, all, context, where);
        List<Path> disks = disks(t, where);
        Optional<String> budgetParameter = context.getConfigurationParameter(BUDGET_DEFAULT);
        long budget = t.instructionBudget() >= 0 ? t.instructionBudget()
                : budgetParameter.map(v -> positive(v, BUDGET_DEFAULT, where)).orElse(-1L);
        String budgetSource = t.instructionBudget() >= 0 ? "@EfiemuTest(instructionBudget)"
                : budgetParameter.isPresent() ? "configuration parameter " + BUDGET_DEFAULT
                : "the default; set @EfiemuTest(instructionBudget) or " + BUDGET_DEFAULT;
        Optional<String> wallParameter = context.getConfigurationParameter(WALL_CLOCK_DEFAULT);
        long wallClock = t.wallClockSeconds() >= 0 ? t.wallClockSeconds()
                : wallParameter.map(v -> positive(v, WALL_CLOCK_DEFAULT, where)).orElse(-1L);
        String wallClockSource = t.wallClockSeconds() >= 0 ? "@EfiemuTest(wallClockSeconds)"
                : wallParameter.isPresent() ? "configuration parameter " + WALL_CLOCK_DEFAULT
                : "the default; set @EfiemuTest(wallClockSeconds) or " + WALL_CLOCK_DEFAULT;
        long loadAddress = checkedLoadAddress(t, where);
        Path root = Path.of(context.getConfigurationParameter(ARTIFACTS_DIR).orElse(DEFAULT_ARTIFACTS_DIR));
        Long rngSeed = t.rngSeed() == Long.MIN_VALUE ? null : t.rngSeed();
        boolean bootFromDisk = t.payload().isEmpty() && !disks.isEmpty();
        String payloadName;
        byte[] payloadBytes;
        if (bootFromDisk) {
            payloadName = "BOOTX64.EFI";
            payloadBytes = bootFile(disks, where);
        } else {
            String payload = !t.payload().isEmpty() ? t.payload() : context.getConfigurationParameter(PAYLOAD_DEFAULT)
                    .orElseThrow(() -> new ExtensionConfigurationException(where + ": no payload; set "
                            + "@EfiemuTest(payload = \"payloads/<name>.efi\") or the configuration parameter " + PAYLOAD_DEFAULT));
            payloadName = fileName(payload);
            payloadBytes = readPayload(payload, m, where);
        }
        return new EfiemuSettings(platforms, payloadName, payloadBytes, budget, wallClock, t.untilExitBootServices(),
                loadAddress, t.loadOptions(), keep(t, context, where), root, sanitizer(t, context, where), esp(t, where),
                t.espWritable(), budgetSource, wallClockSource, keys(t, where), rngSeed, disks, t.diskReadOnly(),
                bootFromDisk);
    }

    private static org.efiemu.uefi.protocol.KeyScript keys(EfiemuTest t, String where) {
        try {
            return org.efiemu.uefi.protocol.KeyScript.parse(t.keys(), where + " keys");
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
    }

    private static long checkedLoadAddress(EfiemuTest t, String where) {
        if (t.loadAddress() != -1 && (t.loadAddress() < 0 || (t.loadAddress() & 0xFFF) != 0)) {
            throw new ExtensionConfigurationException(String.format("%s: loadAddress 0x%X must be a multiple of 4 KiB "
                    + "(0x1000), or -1 for EDK2's placement", where, t.loadAddress()));
        }
        return t.loadAddress();
    }

    /** \EFI\BOOT\BOOTX64.EFI from the first disk's FAT partition that has it (read as the machine will). */
    private static byte[] bootFile(List<Path> disks, String where) {
        for (Path p : disks) {
            try (org.efiemu.uefi.disk.DiskImage image = org.efiemu.uefi.disk.DiskImage.open(p)) {
                var found = org.efiemu.uefi.storage.AttachedDisk.attach(image, true, 0)
                        .find(org.efiemu.uefi.UefiMachine.BOOT_FILE);
                if (found.isPresent()) {
                    return found.get().bytes();
                }
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(where + ": " + e.getMessage(), e);
            }
        }
        throw new ExtensionConfigurationException(where + ": no payload and no FAT partition of " + disks + " holds "
                + org.efiemu.uefi.UefiMachine.BOOT_FILE + "; set payload = \"...\" or put the loader there");
    }

    private static List<String> platforms(EfiemuTest t, Optional<AllPlatforms> all, ExtensionContext context, String where) {
        int given = (t.platform().isEmpty() ? 0 : 1) + (t.platforms().length == 0 ? 0 : 1) + (all.isPresent() ? 1 : 0);
        if (given > 1) {
            throw new ExtensionConfigurationException(where + ": platform, platforms and @AllPlatforms exclude each other;"
                    + " keep one (platform = one profile, platforms = a list, @AllPlatforms = every built-in)");
        }
        if (all.isPresent()) {
            return allPlatforms(all.get());
        }
        if (t.platforms().length > 0) {
            List<String> list = Arrays.asList(t.platforms());
            if (Set.copyOf(list).size() != list.size()) {
                throw new ExtensionConfigurationException(where + ": platforms " + list + " names a profile twice");
            }
            return List.copyOf(list);
        }
        if (!t.platform().isEmpty()) {
            return List.of(t.platform());
        }
        return List.of(context.getConfigurationParameter(PLATFORM_DEFAULT).orElseThrow(() ->
                new ExtensionConfigurationException(where + ": no platform; set @EfiemuTest(platform = \"ovmf-q35-2g\"), "
                        + "platforms = {...}, @AllPlatforms, or the configuration parameter " + PLATFORM_DEFAULT
                        + " (built-in profiles: " + ProfileRegistry.builtInNames() + ")")));
    }

    static List<String> allPlatforms(AllPlatforms a) {
        List<String> names = new ArrayList<>(ProfileRegistry.builtInNames());
        for (String e : a.except()) {
            if (!names.remove(e)) {
                throw new ExtensionConfigurationException("@AllPlatforms(except = \"" + e + "\"): no built-in profile "
                        + "of that name; built-ins: " + ProfileRegistry.builtInNames());
            }
        }
        return List.copyOf(names);
    }

    private static boolean sanitizer(EfiemuTest t, ExtensionContext context, String where) {
        if (t.sanitizer() != EfiemuTest.Toggle.DEFAULT) {
            return t.sanitizer() == EfiemuTest.Toggle.ON;
        }
        Optional<String> v = context.getConfigurationParameter(SANITIZER_DEFAULT).map(x -> x.trim().toLowerCase(Locale.ROOT));
        if (v.isEmpty() || v.get().equals("true")) {
            return true;
        }
        if (v.get().equals("false")) {
            return false;
        }
        throw new ExtensionConfigurationException(where + ": configuration parameter " + SANITIZER_DEFAULT + "=" + v.get()
                + " is not true or false");
    }

    private static List<Path> disks(EfiemuTest t, String where) {
        List<Path> out = new java.util.ArrayList<>();
        for (String d : t.disks()) {
            Path p = Path.of(d).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new ExtensionConfigurationException(where + ": disks = \"" + d + "\" is not a file (looked in " + p
                        + "); give a raw disk image (GPT, MBR or FAT)");
            }
            out.add(p);
        }
        return List.copyOf(out);
    }

    private static Path esp(EfiemuTest t, String where) {
        if (t.esp().isEmpty()) {
            if (t.espWritable()) {
                throw new ExtensionConfigurationException(where + ": espWritable = true needs esp = \"<folder>\"");
            }
            return null;
        }
        Path dir = Path.of(t.esp()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new ExtensionConfigurationException(where + ": esp = \"" + t.esp() + "\" is not a folder (looked in "
                    + dir + "); give the host folder that holds the ESP's files (EFI/BOOT/BOOTX64.EFI ...)");
        }
        return dir;
    }

    private static EfiemuTest.Keep keep(EfiemuTest t, ExtensionContext context, String where) {
        if (t.keepArtifacts() != EfiemuTest.Keep.DEFAULT) {
            return t.keepArtifacts();
        }
        Optional<String> v = context.getConfigurationParameter(ARTIFACTS_KEEP);
        if (v.isEmpty()) {
            return EfiemuTest.Keep.ON_FAILURE;
        }
        try {
            EfiemuTest.Keep k = EfiemuTest.Keep.valueOf(v.get().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (k != EfiemuTest.Keep.DEFAULT) {
                return k;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ExtensionConfigurationException(where + ": configuration parameter " + ARTIFACTS_KEEP + "=" + v.get()
                + " is not one of on-failure, always, never");
    }

    private static long positive(String v, String name, String where) {
        long n;
        try {
            n = Long.decode(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ExtensionConfigurationException(where + ": configuration parameter " + name + "=" + v
                    + " is not a number (decimal or 0x hex)", e);
        }
        if (n <= 0) {
            throw new ExtensionConfigurationException(where + ": configuration parameter " + name + "=" + v
                    + " must be at least 1");
        }
        return n;
    }

    private static String fileName(String payload) {
        String p = payload.startsWith("classpath:") ? payload.substring("classpath:".length()) : payload;
        int slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
        return p.substring(slash + 1);
    }

    /** A class-path resource first (relative to the class path root), then a file. */
    private static byte[] readPayload(String payload, Method m, String where) {
        boolean classpathOnly = payload.startsWith("classpath:");
        String resource = (classpathOnly ? payload.substring("classpath:".length()) : payload).replaceFirst("^/", "");
        ClassLoader loader = m.getDeclaringClass().getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in != null) {
                return in.readAllBytes();
            }
            Path file = Path.of(payload);
            if (!classpathOnly && Files.isRegularFile(file)) {
                return Files.readAllBytes(file);
            }
        } catch (IOException e) {
            throw new ExtensionConfigurationException(where + ": payload '" + payload + "' cannot be read: " + e.getMessage(), e);
        }
        throw new ExtensionConfigurationException(where + ": payload '" + payload + "' is neither a class-path resource"
                + (classpathOnly ? "" : " nor a file (looked in " + Path.of(payload).toAbsolutePath() + ")")
                + "; the seed's strategies are in the efiemu-early-alloc jar as payloads/<strategy>.efi (e.g. payloads/efi-pool.efi)");
    }
}
