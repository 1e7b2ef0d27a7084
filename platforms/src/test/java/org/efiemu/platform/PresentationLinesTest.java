package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.variable.VariableStoreConfig;
import org.junit.jupiter.api.Test;

/** {@code display:}, {@code variable-store:} and percent-encoded variable names (docs/profiles.md). */
class PresentationLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";

    @Test
    void displayAndVariableStoreLinesRoundTripCanonically() {
        String text = HEAD + "display: framebuffer=0xC0000000 memory=0x1000000 mode=1 modes=1280x800,640x480\n"
                + "variable-store: nv-size=0x3FFB8 volatile-size=0x80000 max-nv-variable=0x8400 "
                + "max-volatile-variable=0x40000 format=authenticated\n" + MAP;
        PlatformProfile p = ProfileParser.parse(text, "t.profile");
        assertThat(p.display().modes()).containsExactly(new GraphicsOutput.Mode(1280, 800), new GraphicsOutput.Mode(640, 480));
        assertThat(p.display().initialMode()).isEqualTo(1);
        assertThat(p.display().frameBufferBase()).isEqualTo(0xC0000000L);
        assertThat(p.variableStore()).isEqualTo(VariableStoreConfig.ovmf());
        assertThat(p.toDescription().display()).isEqualTo(p.display());
        String written = ProfileWriter.write(p);
        assertThat(written).contains("display: framebuffer=0xC0000000 memory=0x1000000 mode=1 modes=1280x800,640x480\n");
        assertThat(ProfileParser.parse(written, "t2.profile")).isEqualTo(p);
        assertThat(ProfileWriter.write(ProfileParser.parse(written, "t2.profile"))).isEqualTo(written);
    }

    @Test
    void aProfileWithoutTheKeysIsHeadlessWithTheModelsVariableStore() {
        PlatformProfile p = ProfileParser.parse(HEAD + MAP, "t.profile");
        assertThat(p.display()).isNull();
        assertThat(p.toDescription().display()).isNull();
        assertThat(p.toDescription().variableStore()).isEqualTo(VariableStoreConfig.ovmf());
        assertThat(ProfileWriter.write(p)).doesNotContain("display:").doesNotContain("variable-store:");
    }

    @Test
    void variableNamesWithBlanksArePercentEncoded() {
        String text = HEAD + "variable: Attempt%201 59324945-EC44-4C0D-B1CD-9DB139DF070C 0x3 hex:01\n" + MAP;
        PlatformProfile p = ProfileParser.parse(text, "t.profile");
        assertThat(p.variables().get(0).name()).isEqualTo("Attempt 1");
        assertThat(ProfileWriter.write(p)).contains("variable: Attempt%201 59324945-EC44-4C0D-B1CD-9DB139DF070C 0x3 hex:01\n");
    }

    @Test
    void badPresentationLinesNameFileLineAndWhatWasExpected() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "display: framebuffer=0xC0000000 memory=0x1000000 mode=2 "
                + "modes=1280x800\n" + MAP, "t.profile"))
                .hasMessageContaining("t.profile:2").hasMessageContaining("initial mode 2 of 1 modes");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "display: framebuffer=0xC0000000 modes=1280x800\n" + MAP,
                "t.profile")).hasMessageContaining("t.profile:2").hasMessageContaining("missing memory=");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "display: framebuffer=0xC0000000 memory=0x1000000 mode=0 "
                + "modes=1280x\n" + MAP, "t.profile")).hasMessageContaining("WIDTHxHEIGHT");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "variable-store: nv-size=0x3FFB8 volatile-size=0x80000 "
                + "max-nv-variable=0x8400 max-volatile-variable=0x40000 format=signed\n" + MAP, "t.profile"))
                .hasMessageContaining("t.profile:2").hasMessageContaining("authenticated");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "variable: Attempt%2 59324945-EC44-4C0D-B1CD-9DB139DF070C "
                + "0x3 hex:01\n" + MAP, "t.profile")).hasMessageContaining("t.profile:2").hasMessageContaining("two hex");
    }

    @Test
    void ovmfProfilesPresentTheCapturedVariablesDisplayAndTextMode() {
        for (String name : new String[] {"ovmf-q35-2g", "ovmf-q35-512m"}) {
            PlatformProfile p = ProfileRegistry.builtIn(name);
            assertThat(p.variables()).as(name).hasSize(42);
            assertThat(p.variables()).filteredOn(v -> v.name().equals("BootOrder")).singleElement()
                    .satisfies(v -> assertThat(v.data()).containsExactly(0, 0, 1, 0, 2, 0, 3, 0));
            assertThat(p.variables()).filteredOn(v -> v.name().equals("PlatformLang")).singleElement()
                    .satisfies(v -> assertThat(new String(v.data(), StandardCharsets.US_ASCII)).isEqualTo("en\0"));
            assertThat(p.display().modes()).hasSize(30);
            assertThat(p.console().columns()).isEqualTo(100);
            assertThat(p.variableStore().maxVariableSize()).isEqualTo(0x8400);
        }
    }
}
