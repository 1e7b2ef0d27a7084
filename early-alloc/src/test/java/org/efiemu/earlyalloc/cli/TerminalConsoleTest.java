package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.debug.console.DebugConsole;
import org.jline.reader.Candidate;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console debugger behind a JLine terminal (a dumb terminal over pipes, as a test can drive one). */
class TerminalConsoleTest {
    private static UefiMachineBuilder machine(byte[] payload, String name) {
        return UefiMachine.builder(Platforms.describe(ProfileRegistry.builtIn("ovmf-q35-2g")).description())
                .payload(payload, name).instructionBudget(50_000_000_000L);
    }

    /** A console on a dumb terminal over pipes, typed into line by line as a person would. */
    private static final class Typist implements AutoCloseable {
        final ByteArrayOutputStream shown = new ByteArrayOutputStream();
        final PipedOutputStream keys = new PipedOutputStream();
        final UefiDebugSession session;
        final Terminal terminal;
        final Thread console;

        Typist(UefiMachineBuilder b, Path history) throws Exception {
            session = UefiDebugSession.start(b);
            terminal = TerminalBuilder.builder().streams(new PipedInputStream(keys), shown).dumb(true).build();
            console = new Thread(() -> new TerminalConsole(session, new DebugConsole(session, terminal.writer(), false),
                    terminal, history).run());
            console.start();
        }

        String shown() {
            synchronized (shown) {
                return shown.toString(StandardCharsets.UTF_8);
            }
        }

        /** Types a line and waits until the console printed its answer and the next prompt. */
        void type(String line) throws Exception {
            int prompts = prompts();
            keys.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            keys.flush();
            for (int i = 0; i < 600 && prompts() <= prompts && console.isAlive(); i++) {
                Thread.sleep(50);
            }
        }

        /** Prompts shown so far: JLine starts each line it reads by turning bracketed paste on (ESC [?2004h). */
        int prompts() {
            return shown().split(java.util.regex.Pattern.quote("\u001b[?2004h"), -1).length - 1;
        }

        @Override
        public void close() throws Exception {
            keys.close();
            console.join(60_000);
            terminal.close();
            session.close();
        }
    }

    @Test
    void enterOnAnEmptyLineRepeatsTheLastStepAndATypoIsAnsweredWithTheNearestCommand(@TempDir Path dir) throws Exception {
        String shown;
        try (Typist t = new Typist(machine(StrategyCatalog.builtIn("efi-pool").payloadBytes(), "efi-pool.efi"),
                dir.resolve("history"))) {
            t.type("");
            for (String line : List.of("stpe", "step", "", "", "regs", "")) {
                t.type(line);
            }
            t.type("quit");
            shown = t.shown();
            t.console.join(60_000);
            assertThat(t.console.isAlive()).isFalse();
        }
        assertThat(shown).contains("error: unknown command 'stpe'; did you mean 'step'?");
        // step, then two Enters: three steps; after regs an Enter repeats nothing
        assertThat(shown.split(": one instruction", -1)).hasSize(4);
        assertThat(dir.resolve("history")).content().contains("step").contains("regs");
    }

    @Test
    void ctrlCWhileTheGuestRunsStopsItAndTheSessionGoesOn() throws Exception {
        byte[] spin = TerminalConsoleTest.class.getResourceAsStream("/payloads/spin.efi").readAllBytes();
        String shown;
        try (Typist t = new Typist(machine(spin, "spin.efi"), null)) {
            t.type("");
            t.keys.write("continue\n".getBytes(StandardCharsets.UTF_8));
            t.keys.flush();
            // the guest prints one line, then spins until interrupted: Ctrl-C once it runs
            Thread.sleep(500);
            t.terminal.raise(Terminal.Signal.INT);
            for (int i = 0; i < 600 && !t.shown().contains("interrupted"); i++) {
                Thread.sleep(50);
            }
            t.type("");
            t.type("where");
            t.type("quit");
            shown = t.shown();
        }
        // stopped inside the loop, and `where` answered at the prompt that came back
        assertThat(shown).containsPattern("machine at spin\\.efi\\+0x[0-9A-F]+( <[^>]+>)?: interrupted");
        assertThat(shown.substring(shown.indexOf("interrupted"))).containsPattern("0x[0-9A-F]+ spin\\.efi\\+0x");
    }

    @Test
    void completionOffersCommandsFirstAndServiceNamesAfterBreak() throws Exception {
        List<Candidate> first = new ArrayList<>();
        List<Candidate> afterBreak = new ArrayList<>();
        var completer = TerminalConsole.completer(List.of("break", "step"), List.of("AllocatePages", "FreePool"));
        DefaultParser p = new DefaultParser();
        completer.complete(null, p.parse("st", 2), first);
        completer.complete(null, p.parse("break Alloc", 11), afterBreak);
        assertThat(first).extracting(Candidate::value).containsExactly("break", "step");
        assertThat(afterBreak).extracting(Candidate::value).containsExactly("AllocatePages", "FreePool");
    }
}
