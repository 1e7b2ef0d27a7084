package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.reflect.ClassPath;
import java.io.IOException;
import java.lang.reflect.Executable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The JIT files the {@code ./efiemu} launcher names for a long hunt ({@code scripts/jit/}): HotSpot compiler directives
 * that keep C2 off the methods a hunt runs a few times per scenario, and the compile commands that scale those methods'
 * thresholds. A renamed class or method would leave a pattern that matches nothing (and C2 compiling it again, without
 * any error), so every pattern must name code that exists, and both files must name the same methods.
 */
class HuntJitDirectivesTest {
    private static final Path JIT = Path.of("").toAbsolutePath().getParent().resolve("scripts/jit");
    private static final Path DIRECTIVES = JIT.resolve("hunt-c2.directives.json");
    private static final Path COMMANDS = JIT.resolve("hunt-c2.commands");

    @Test
    void everyDirectivePatternNamesAnExistingMethodOfEfiemu() throws IOException {
        List<String> patterns = directivePatterns();
        assertThat(patterns).isNotEmpty();
        Set<ClassPath.ClassInfo> classes = ClassPath.from(getClass().getClassLoader()).getAllClasses().stream()
                .filter(c -> c.getName().startsWith("org.efiemu."))
                .collect(Collectors.toSet());
        List<String> matchingNothing = new ArrayList<>();
        for (String pattern : patterns) {
            int dot = pattern.lastIndexOf('.');
            String classPart = pattern.substring(0, dot).replace('/', '.');
            String methodPart = pattern.substring(dot + 1);
            boolean found = classes.stream()
                    .filter(c -> classPart.endsWith("*") ? c.getName().startsWith(classPart.substring(0, classPart.length() - 1))
                            : c.getName().equals(classPart))
                    .anyMatch(c -> declares(c, methodPart));
            if (!found) {
                matchingNothing.add(pattern);
            }
        }
        assertThat(matchingNothing).as("patterns in %s that match no method", DIRECTIVES).isEmpty();
    }

    @Test
    void theCompileCommandsScaleExactlyTheMethodsTheDirectivesKeepFromC2() throws IOException {
        Set<String> scaled = Files.readAllLines(COMMANDS, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("CompileThresholdScaling,"))
                .map(l -> l.split(",")[1])
                .collect(Collectors.toCollection(LinkedHashSet::new));
        assertThat(scaled).containsExactlyInAnyOrderElementsOf(directivePatterns());
        assertThat(Files.readAllLines(COMMANDS, StandardCharsets.UTF_8)).as("'quiet' keeps the JVM from printing the "
                + "commands on the hunt's stdout").contains("quiet");
    }

    @Test
    void thisJavaAcceptsBothFilesWithTheLaunchersOptionsAndPrintsNothingOnStdout() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stdout = Files.createTempFile("jit-stdout", ".txt");
        Path stderr = Files.createTempFile("jit-stderr", ".txt");
        try {
            Process p = new ProcessBuilder(java.toString(), "-XX:+DisplayVMOutputToStderr",
                    "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + DIRECTIVES,
                    "-XX:CompileCommandFile=" + COMMANDS, "-XX:FreqInlineSize=100", "-XX:InlineSmallCode=1000",
                    "-XX:MaxInlineLevel=6", "-version")
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(stderr);
            assertThat(p.exitValue()).as(err).isZero();
            assertThat(err).contains("1 compiler directives added").doesNotContain("failed");
            assertThat(Files.readString(stdout)).isEmpty();
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static boolean declares(ClassPath.ClassInfo info, String methodPart) {
        Class<?> type;
        try {
            type = Class.forName(info.getName(), false, HuntJitDirectivesTest.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        Stream<Executable> all = Stream.concat(Stream.of(type.getDeclaredMethods()), Stream.of(type.getDeclaredConstructors()));
        return all.anyMatch(e -> methodPart.equals("*")
                || (e instanceof java.lang.reflect.Constructor<?> ? "<init>" : e.getName()).equals(methodPart));
    }

    private static List<String> directivePatterns() throws IOException {
        String text = Files.readString(DIRECTIVES, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(text.replaceAll("(?m)^\\s*//.*$", ""));
        List<String> patterns = new ArrayList<>();
        while (m.find()) {
            patterns.add(m.group(1));
        }
        return patterns;
    }
}
