package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs test payloads under the UEFI Shell of real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages, provisioned): the
 * payloads are copied to a {@code fat:} ESP whose {@code startup.nsh} holds the given commands and then {@code reset
 * -s}; COM1 is returned without terminal escapes and NULs. The live tests of this module share it.
 */
final class OvmfShellRun {
    static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    private OvmfShellRun() {
    }

    /**
     * @param payloads test payload names, copied to the ESP as {@code NAME.efi}
     * @param commands the Shell command lines run in order ({@code reset -s} is appended)
     * @param timeoutSeconds how long QEMU may take to shut down; longer fails the test with QEMU's output and COM1
     */
    static String com1(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds)
            throws IOException, InterruptedException {
        return com1(dir, payloads, commands, timeoutSeconds, List.of());
    }

    /** As {@link #com1(Path, List, List, int)} with more QEMU arguments (e.g. {@code -device virtio-rng-pci}). */
    static String com1(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds,
            List<String> qemuArgs) throws IOException, InterruptedException {
        Path esp = prepareEsp(dir, payloads, commands);
        Path vars = dir.resolve("vars.fd");
        Path serial = dir.resolve("serial.raw");
        List<String> command = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-machine", "q35,accel=tcg",
                "-m", "2G", "-smp", "1", "-net", "none", "-display", "none", "-serial", "file:" + serial, "-monitor",
                "none", "-no-reboot", "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-drive", "format=raw,file=fat:rw:" + esp));
        command.addAll(qemuArgs);
        Process q = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        boolean done = q.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            q.destroyForcibly().waitFor();
        }
        String qemuSaid = Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8);
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        if (!done) {
            fail("QEMU + OVMF did not shut down within %d s; QEMU said:%n%s%nCOM1:%n%s", timeoutSeconds, qemuSaid, raw);
        }
        return clean(raw);
    }

    /**
     * {@link #com1Typing}, booted again (at most {@code boots} times, each in its own folder under {@code dir}) until
     * COM1 came through whole: the payload printed {@code prefix + "end"} and no {@code prefix} line is cut into by
     * another. On a loaded host QEMU's 16550 behind a socket chardev was seen to drop bytes, and once the Shell did not
     * start ("Device Error"); a boot QEMU did not end (a lost line, so no key typed) counts as not whole. Decided without
     * looking at what the lines say. Returns the last boot's COM1 output.
     */
    static String com1TypingWhole(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds,
            java.util.function.Function<String, byte[]> replies, String prefix, int boots)
            throws IOException, InterruptedException {
        String com1 = "";
        for (int attempt = 1; attempt <= boots; attempt++) {
            try {
                com1 = com1Typing(java.nio.file.Files.createDirectories(dir.resolve("attempt" + attempt)), payloads,
                        commands, timeoutSeconds, replies);
            } catch (AssertionError lostOrStuck) {
                com1 = lostOrStuck.getMessage();
                continue;
            }
            List<String> lines = com1.replace("\r", "").lines().toList();
            if (lines.contains(prefix + "end") && lines.stream().noneMatch(l -> l.indexOf(prefix) > 0)) {
                break;
            }
        }
        return com1;
    }

    /**
     * As {@link #com1(Path, List, List, int)}, with COM1 on a Unix socket that the test both reads and types into: every
     * line COM1 prints (terminal escapes and NULs removed) is given to {@code replies}, and the bytes it returns (none:
     * null or empty) are sent on COM1's receive side, which TerminalDxe polls as the console's keyboard (QEMU has no
     * other with {@code -display none}).
     */
    static String com1Typing(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds,
            java.util.function.Function<String, byte[]> replies) throws IOException, InterruptedException {
        Path esp = prepareEsp(dir, payloads, commands);
        Path vars = dir.resolve("vars.fd");
        Path socket = dir.resolve("com1.sock");
        List<String> command = socketQemu(socket, "none", vars, esp);
        Process q = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        StringBuilder all = new StringBuilder();
        try {
            java.nio.channels.SocketChannel ch = connect(socket, q, deadline, dir);
            try (java.nio.channels.SocketChannel c = ch) {
                c.configureBlocking(false);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
                StringBuilder line = new StringBuilder();
                while (System.nanoTime() < deadline) {
                    buf.clear();
                    int n = c.read(buf);
                    if (n < 0) {
                        break; // QEMU exited
                    }
                    if (n == 0) {
                        if (!q.isAlive()) {
                            break;
                        }
                        Thread.sleep(2);
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        char ch1 = (char) (buf.get(i) & 0xFF);
                        all.append(ch1);
                        if (ch1 != '\n') {
                            line.append(ch1);
                            continue;
                        }
                        String text = clean(line.toString()).replace("\r", "");
                        line.setLength(0);
                        byte[] reply = replies.apply(text);
                        if (reply != null && reply.length > 0) {
                            java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(reply);
                            while (out.hasRemaining()) {
                                c.write(out);
                            }
                        }
                    }
                }
            }
            awaitShutdown(q, deadline, timeoutSeconds, dir, all);
        } finally {
            if (q.isAlive()) {
                q.destroyForcibly().waitFor();
            }
        }
        return clean(all.toString());
    }

    /**
     * As {@link #com1Typing}, with keys from QEMU's PS/2 keyboard instead of COM1: the monitor (a Unix socket) gets
     * {@code sendkey} commands. {@code steps} are COM1 lines in the order the payload prints them, each with the
     * {@code sendkey} arguments sent once it is printed (a line COM1 cut into still counts when it ends with the marker).
     * QEMU 7.2's COM1 behind a socket chardev was seen to hold a line's tail until the guest printed again (the guest
     * then waits for the key, so forever); when COM1 stays silent 5 s with the start of the next marker printed, its
     * keys are sent. Returns COM1 without terminal escapes and NULs.
     */
    static String com1Sendkey(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds,
            List<java.util.Map.Entry<String, List<String>>> steps) throws IOException, InterruptedException {
        Path esp = prepareEsp(dir, payloads, commands);
        Path vars = dir.resolve("vars.fd");
        Path socket = dir.resolve("com1.sock");
        Path monitor = dir.resolve("monitor.sock");
        Path qmp = dir.resolve("qmp.sock");
        List<String> command = new java.util.ArrayList<>(socketQemu(socket, "unix:" + monitor + ",server=on,wait=off",
                vars, esp));
        command.addAll(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off"));
        Process q = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        StringBuilder all = new StringBuilder();
        try {
            java.nio.channels.SocketChannel ch = connect(socket, q, deadline, dir);
            java.nio.channels.SocketChannel mon = connect(monitor, q, deadline, dir);
            java.nio.channels.SocketChannel qmpChannel = connect(qmp, q, deadline, dir);
            qmpHandshake(qmpChannel);
            try (java.nio.channels.SocketChannel c = ch; java.nio.channels.SocketChannel m = mon;
                    java.nio.channels.SocketChannel j = qmpChannel) {
                c.configureBlocking(false);
                m.configureBlocking(false);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
                java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(65536);
                StringBuilder line = new StringBuilder();
                int step = 0;
                long lastByte = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    sink.clear();
                    m.read(sink); // the monitor's echo, not needed
                    buf.clear();
                    int n = c.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        if (!q.isAlive()) {
                            break;
                        }
                        String part = clean(line.toString()).replace("\r", "").strip();
                        if (step < steps.size() && System.nanoTime() - lastByte > TimeUnit.SECONDS.toNanos(5)
                                && part.length() >= 4 && steps.get(step).getKey().startsWith(part)) {
                            sendkeys(m, j, steps.get(step++).getValue());
                            lastByte = System.nanoTime();
                        }
                        Thread.sleep(2);
                        continue;
                    }
                    lastByte = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        char ch1 = (char) (buf.get(i) & 0xFF);
                        all.append(ch1);
                        if (ch1 != '\n') {
                            line.append(ch1);
                            continue;
                        }
                        String text = clean(line.toString()).replace("\r", "").strip();
                        line.setLength(0);
                        if (step < steps.size() && text.endsWith(steps.get(step).getKey())) {
                            sendkeys(m, j, steps.get(step++).getValue());
                        }
                    }
                }
            }
            awaitShutdown(q, deadline, timeoutSeconds, dir, all);
        } finally {
            if (q.isAlive()) {
                q.destroyForcibly().waitFor();
            }
        }
        return clean(all.toString());
    }

    /** Waits for QEMU to end by the deadline; fails the test with QEMU's and COM1's output if it does not. */
    private static void awaitShutdown(Process q, long deadline, int timeoutSeconds, Path dir, CharSequence all)
            throws IOException, InterruptedException {
        boolean done = q.waitFor(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())),
                TimeUnit.SECONDS);
        if (!done) {
            fail("QEMU + OVMF did not shut down within %d s; QEMU said:%n%s%nCOM1:%n%s", timeoutSeconds,
                    Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8), clean(all.toString()));
        }
    }

    /**
     * QEMU q35 + OVMF with COM1 on the Unix socket {@code socket} (QEMU waits for the test to connect), the monitor as
     * {@code monitor} ("none" or a socket), the ESP folder as a FAT drive.
     */
    private static List<String> socketQemu(Path socket, String monitor, Path vars, Path esp) {
        return List.of("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "2G", "-smp", "1", "-net", "none",
                "-display", "none", "-chardev", "socket,id=com1,path=" + socket + ",server=on,wait=on", "-serial",
                "chardev:com1", "-monitor", monitor, "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-drive", "format=raw,file=fat:rw:" + esp);
    }

    private static java.nio.channels.SocketChannel connect(Path socket, Process q, long deadline, Path dir)
            throws IOException, InterruptedException {
        while (true) {
            if (System.nanoTime() > deadline || !q.isAlive()) {
                fail("QEMU did not open the socket %s; QEMU said:%n%s", socket,
                        Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8));
            }
            try {
                return java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket));
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
    }

    /** One {@code sendkey} per key combination, 300 ms apart (QEMU holds each 100 ms). */
    /** QMP's greeting read and {@code qmp_capabilities} sent (its answers are not needed). */
    private static void qmpHandshake(java.nio.channels.SocketChannel qmp) throws IOException {
        java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap("{\"execute\":\"qmp_capabilities\"}\n"
                .getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            qmp.write(out);
        }
        qmp.configureBlocking(false);
    }

    /**
     * Each entry is a {@code sendkey} argument (the keys pressed together, then released), or {@code down:QCODE} /
     * {@code up:QCODE}: one key pressed or released through QMP's {@code input-send-event}, to hold a modifier across
     * other keys (QEMU 7.2's {@code sendkey} releases the keys of the previous one when the next starts).
     */
    private static void sendkeys(java.nio.channels.SocketChannel monitor, java.nio.channels.SocketChannel qmp,
            List<String> keys) throws IOException, InterruptedException {
        for (String k : keys) {
            if (k.startsWith("down:") || k.startsWith("up:")) {
                boolean down = k.startsWith("down:");
                String json = "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"key\","
                        + "\"data\":{\"down\":" + down + ",\"key\":{\"type\":\"qcode\",\"data\":\""
                        + k.substring(k.indexOf(':') + 1) + "\"}}}]}}\n";
                java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(json.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    qmp.write(out);
                }
                java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(65536);
                qmp.read(sink); // QMP's answers, not needed
                Thread.sleep(300);
                continue;
            }
            java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(("sendkey " + k + "\n").getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                monitor.write(out);
            }
            Thread.sleep(300);
        }
    }

    private static String clean(String raw) {
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", "");
    }

    /**
     * Checks that OVMF is installed, writes the ESP folder {@code dir/esp} (the payloads as {@code NAME.efi} and a
     * {@code startup.nsh} running {@code commands} then {@code reset -s}) and a fresh copy of OVMF's variable store as
     * {@code dir/vars.fd}; returns the ESP folder.
     */
    private static Path prepareEsp(Path dir, List<String> payloads, List<String> commands) throws IOException {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = Files.createDirectories(dir.resolve("esp"));
        for (String p : payloads) {
            Files.copy(TestPlatforms.payload(p), esp.resolve(p + ".efi"));
        }
        StringBuilder nsh = new StringBuilder("@echo -off\r\n");
        for (String c : commands) {
            nsh.append(c).append("\r\n");
        }
        nsh.append("reset -s\r\n");
        Files.writeString(esp.resolve("startup.nsh"), nsh, StandardCharsets.US_ASCII);
        Files.copy(VARS, dir.resolve("vars.fd"));
        return esp;
    }
}
