package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code efiemu run --keys/--rng-seed/--headless/--screenshot} and {@code efiemu debug}'s refusal of --screenshot. */
class PresentationOptionsTest {

    private static Path payload(Path dir) throws Exception {
        Path p = dir.resolve("efi-pool.efi");
        Files.write(p, StrategyCatalog.builtIn("efi-pool").payloadBytes());
        return p;
    }

    @Test
    void screenshotWritesTheFramebufferAndTheTextConsoleOfTheRunsEnd(@TempDir Path dir) throws Exception {
        Path shots = dir.resolve("shots");
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--screenshot", shots.toString(), "--rng-seed", "7");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("screen   " + shots.resolve("framebuffer.png") + " (1280x800)")
                .contains("rng      EFI_RNG_PROTOCOL seed 7, 0 bytes given");
        var fb = ImageIO.read(shots.resolve("framebuffer.png").toFile());
        assertThat(fb.getWidth()).isEqualTo(1280);
        assertThat(fb.getHeight()).isEqualTo(800);
        assertThat(ImageIO.read(shots.resolve("console.png").toFile())).isNotNull();
        String conOut = r.out().substring(0, r.out().indexOf(RunCommand.SEPARATOR)).replace("\r", "").strip();
        String firstLine = conOut.lines().findFirst().orElseThrow();
        assertThat(Files.readString(shots.resolve("console.txt"))).contains(firstLine);
    }

    @Test
    void headlessRunsHaveNoFramebufferPicture(@TempDir Path dir) throws Exception {
        Path shots = dir.resolve("shots");
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--screenshot", shots.toString(), "--headless");
        assertThat(r.exit()).isZero();
        assertThat(shots.resolve("console.txt")).exists();
        assertThat(shots.resolve("framebuffer.png")).doesNotExist();
    }

    @Test
    void aBadKeyScriptIsOneErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("keys.txt");
        Files.writeString(keys, "0 Enter\n1s Entr\n");
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--keys", keys.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(keys + ":2: key 'Entr'");
        EfiemuCommandTest.Result missing = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--keys", dir.resolve("none.txt").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--keys " + dir.resolve("none.txt") + " does not exist");
    }

    @Test
    void debugRefusesScreenshotsWithTheReason(@TempDir Path dir) throws Exception {
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("debug", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--screenshot", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--screenshot").contains("end of 'efiemu run'");
    }
}
