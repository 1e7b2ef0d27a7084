package org.efiemu.system.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The command-line jar as {@code ./efiemu} and {@code java -jar} run it (early-alloc's shaded
 * {@code efiemu-cli.jar}, packaged by the reactor before this module's tests).
 */
class CliJarManifestTest {

    private static Attributes manifest() throws IOException {
        Path root = Path.of(System.getProperty("efiemu.repo.root", "../.."));
        Path jar = root.resolve("early-alloc/target/efiemu-cli.jar").toAbsolutePath().normalize();
        assertThat(jar).as("the command-line jar (mvn package of early-alloc)").isRegularFile();
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(file.getManifest()).as("%s has a manifest", jar).isNotNull();
            return file.getManifest().getMainAttributes();
        }
    }

    /**
     * JNA loads its native stub with {@code System.load}; from Java 24 on (JEP 472) the JVM warns about it on stderr at
     * every start unless the code's module is allowed native access. The jar says so itself (the manifest attribute of
     * JEP 454, Java 22+; Java 17 ignores it), so {@code java -jar efiemu-cli.jar} on a newer JDK starts without the
     * four warning lines and without a flag.
     */
    @Test
    void cliJarDeclaresNativeAccessForTheUnnamedModuleSoNewerJdksDoNotWarnAboutJna() throws IOException {
        Attributes attributes = manifest();
        assertThat(attributes.getValue("Enable-Native-Access")).as("Enable-Native-Access").isEqualTo("ALL-UNNAMED");
        assertThat(attributes.getValue(Attributes.Name.MAIN_CLASS)).as("Main-Class")
                .isEqualTo("org.efiemu.earlyalloc.cli.Main");
    }
}
