package org.efiemu.earlyalloc.cli;

/** {@code java -jar efiemu-cli.jar ...}: the {@code efiemu} command line. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(EfiemuCommand.commandLine(args).execute(args));
    }
}
