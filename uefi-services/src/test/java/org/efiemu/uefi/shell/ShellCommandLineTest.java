package org.efiemu.uefi.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The UEFI Shell's parameter splitting (ShellPkg {@code ParseCommandLineToArgs}). */
class ShellCommandLineTest {
    @Test
    void blanksSeparateParametersAndTheImagePathIsArgvZero() {
        assertThat(ShellCommandLine.split("fs0:\\uki.efi efi=debug  console=ttyS0\tpanic=1 "))
                .containsExactly("fs0:\\uki.efi", "efi=debug", "console=ttyS0", "panic=1");
    }

    @Test
    void quotesGroupBlanksIntoOneParameterAndAreRemoved() {
        assertThat(ShellCommandLine.split("a.efi \"root=LABEL=my disk\" x\"y z\""))
                .containsExactly("a.efi", "root=LABEL=my disk", "xy z");
    }

    @Test
    void aCaretMakesTheNextCharacterLiteralAndIsRemoved() {
        assertThat(ShellCommandLine.split("a.efi ^\"q^\" b^ c")).containsExactly("a.efi", "\"q\"", "b c");
    }

    @Test
    void aBlankLineHasNoParameters() {
        assertThat(ShellCommandLine.split("   ")).isEmpty();
        assertThat(ShellCommandLine.split("")).isEmpty();
    }
}
