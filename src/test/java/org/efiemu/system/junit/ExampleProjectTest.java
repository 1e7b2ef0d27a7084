package org.efiemu.system.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Builds docs/example-project as a user would ({@code mvn -o -q -f docs/example-project/pom.xml test}) against the
 * efiemu artifacts in the local repository (the reactor installs them before this module's tests run).
 */
class ExampleProjectTest {

    @Test
    void exampleProjectBuildsAndItsEfiemuTestsPassOnThreeProfiles() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("efiemu.repo.root", "../.."));
        Path pom = root.resolve("docs/example-project/pom.xml").toAbsolutePath().normalize();
        assertThat(pom).as("the example project's pom").isRegularFile();
        Path log = Files.createTempFile("efiemu-example-build", ".log");
        Process p = new ProcessBuilder(List.of("mvn", "-B", "-o", "-f", pom.toString(), "test"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done).as("the example build finished within 5 minutes; output:%n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit status of mvn -f %s test; output:%n%s", pom, output).isZero();
        // the @EfiemuTest on three profiles, and the jqwik property over generated machines
        assertThat(output).contains("Tests run: 4, Failures: 0, Errors: 0, Skipped: 0");
        Path xml = pom.getParent().resolve("target/surefire-reports/TEST-com.example.boot.MapBufferPlacementTest.xml");
        assertThat(Files.readString(xml)).as("each platform's run is named by its platform in the XML report")
                .contains("tests=\"3\"").contains("failures=\"0\"")
                .contains("[ovmf-q35-2g]\"").contains("[dell-poweredge-r820]\"").contains("[lowalloc-firmware]\"");
        assertThat(output.lines().filter(l -> l.contains("[OK] ") && l.contains("(EfiemuRun)[")))
                .as("Surefire's console names each platform's run by its platform, not by its index; output:%n%s", output)
                .anySatisfy(l -> assertThat(l).contains("(EfiemuRun)[ovmf-q35-2g]"))
                .anySatisfy(l -> assertThat(l).contains("(EfiemuRun)[dell-poweredge-r820]"))
                .anySatisfy(l -> assertThat(l).contains("(EfiemuRun)[lowalloc-firmware]"))
                .noneSatisfy(l -> assertThat(l).containsPattern("\\(EfiemuRun\\)\\[\\d+\\]"));
        Files.delete(log);
    }
}
