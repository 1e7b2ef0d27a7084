package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.protocol.KeyScript;
import org.efiemu.uefi.protocol.Screenshot;
import picocli.CommandLine.Option;

/**
 * What the machine presents beyond the platform profile, shared by {@code efiemu run} and {@code efiemu debug}:
 * scripted console keys ({@code --keys FILE}, the {@link KeyScript} format), an EFI_RNG_PROTOCOL seed
 * ({@code --rng-seed}), no display ({@code --headless}) and screenshots of the display and the text console at the
 * end of the run ({@code --screenshot DIR}).
 */
public final class PresentationOptions {
    @Option(names = "--keys", paramLabel = "FILE", description = "keys typed at virtual times (lines '<time> <keys>', e.g. '1.5s Enter' or '+200ms \"boot\\n\"')")
    Path keys;

    @Option(names = "--rng-seed", paramLabel = "N", description = "offer EFI_RNG_PROTOCOL with deterministic bytes from this seed (OVMF without virtio-rng has none)")
    Long rngSeed;

    @Option(names = "--headless", description = "no display adapter (no GOP), even when the platform has one")
    boolean headless;

    @Option(names = "--screenshot", paramLabel = "DIR", description = "save framebuffer.png, console.png and console.txt of the run's end into DIR")
    Path screenshotDir;

    /** Applies the options to {@code b}; a missing or malformed key script is one clear error naming the file and line. */
    void apply(UefiMachineBuilder b) throws IOException {
        if (keys != null) {
            String text;
            try {
                text = Files.readString(keys, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new IOException("--keys " + keys + " does not exist", e);
            }
            b.keys(KeyScript.parse(text, keys.toString()));
        }
        if (rngSeed != null) {
            b.rng(rngSeed);
        }
        if (headless) {
            b.headless();
        }
    }

    /** Summary lines about the presentation (the RNG seed, screenshots written); writes the screenshots. */
    void afterRun(UefiMachine m, String conOutText, PrintWriter out) throws IOException {
        m.rng().ifPresent(r -> out.printf("rng      EFI_RNG_PROTOCOL seed %d, %d bytes given%n", r.seed(), r.bytesServed()));
        if (screenshotDir == null) {
            return;
        }
        Files.createDirectories(screenshotDir);
        var console = m.platform().console();
        List<String> screen = Screenshot.textScreen(conOutText, console.columns(), console.rows());
        Files.writeString(screenshotDir.resolve("console.txt"), String.join("\n", screen) + "\n", StandardCharsets.UTF_8);
        Files.write(screenshotDir.resolve("console.png"), Screenshot.textPng(screen, console.columns()));
        out.printf("screen   %s%n", screenshotDir.resolve("console.png"));
        if (m.graphics().isPresent()) {
            Files.write(screenshotDir.resolve("framebuffer.png"), Screenshot.framebufferPng(m.graphics().get()));
            out.printf("screen   %s (%s)%n", screenshotDir.resolve("framebuffer.png"), m.graphics().get().currentMode());
        }
    }

    /** The ConOut part of a run's console. */
    static String conOut(org.efiemu.uefi.BootResult r) {
        return r.console().text(ConsoleListener.Source.CON_OUT);
    }
}
