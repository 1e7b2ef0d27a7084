package org.efiemu.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.ProfileRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProfileCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new ProfileCommand(new ProfileRegistry(dir)));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void importWritesIntoTheUserFolderWherePlatformFindsItAndPrintsTheNotes() throws Exception {
        Path dump = PlatformData.file("dell-poweredge-r520-uefi-efimap.txt");
        assertThat(run("import", dump.toString(), "--name", "my-r520", "--reclaim-loader")).isZero();
        assertThat(out.toString()).contains("wrote " + dir.resolve("my-r520.profile"), "returned to EfiConventionalMemory",
                "--platform my-r520");
        assertThat(new ProfileRegistry(dir).resolve("my-r520").memoryMap()).hasSizeGreaterThan(200);
        out.getBuffer().setLength(0);
        assertThat(run("list")).isZero();
        assertThat(out.toString()).containsPattern("my-r520\\s+user\\s+imported from")
                .containsPattern("dell-poweredge-r820\\s+built-in\\s+Dell PowerEdge R820");
    }

    @Test
    void importWithOutWritesThatFile() {
        Path target = dir.resolve("out/m2.profile");
        assertThat(run("import", PlatformData.file("ibm-system-x3550-m2-uefi-e820-a.txt").toString(), "--out",
                target.toString())).isZero();
        assertThat(target).exists();
    }

    @Test
    void importPrintsTheInferredPlacementWithItsConfidenceAndTheLoaderRangesItSaw() throws Exception {
        Path target = dir.resolve("m4.profile");
        assertThat(run("import", PlatformData.file("ibm-system-x3550-m4-uefi-efimap.txt").toString(), "--out",
                target.toString())).isZero();
        assertThat(out.toString()).contains("placement inferred: bins from a run of 4 contiguous",
                "default-max 0x7E3A2FFF", "confidence high", "look like an OS loader's allocations",
                "--reclaim-loader returns them");
        assertThat(new ProfileRegistry(dir).resolve(target.toString()).placement().param("default-max", null))
                .isEqualTo("0x7E3A2FFF");
    }

    @Test
    void importWithPlacementWritesThatRuleAndABadOneFailsNamingTheOption() {
        Path target = dir.resolve("m4.profile");
        String dump = PlatformData.file("ibm-system-x3550-m4-uefi-efimap.txt").toString();
        assertThat(run("import", dump, "--out", target.toString(), "--placement", "edk2-topdown default-max=0xFFFFFFFF"))
                .isZero();
        assertThat(out.toString()).contains("placement given with --placement: edk2-topdown default-max=0xFFFFFFFF");
        assertThat(run("import", dump, "--out", dir.resolve("bad.profile").toString(), "--placement",
                "edk2-topdown default-max=zz")).isEqualTo(1);
        assertThat(err.toString()).startsWith("profile import: --placement: ").contains("default-max");
        assertThat(dir.resolve("bad.profile")).doesNotExist();
    }

    @Test
    void importOfABrokenDumpFailsNamingTheLine() throws Exception {
        Path bad = dir.resolve("bad.txt");
        java.nio.file.Files.writeString(bad, "efi: mem00: type=7, attr=0xf, range=[0x1000-\n");
        assertThat(run("import", bad.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("bad.txt:1:");
    }

    @Test
    void importOfADumpWithOverlappingRangesFailsNamingLineAndRangeAndWritesNothing() throws Exception {
        Path bad = dir.resolve("overlap.txt");
        java.nio.file.Files.writeString(bad, """
                e820 map has 2 items:
                  0: 0000000000000000 - 00000000000a0000 = 1 RAM
                  1: 0000000000090000 - 0000000000100000 = 2 RESERVED
                """);
        Path target = dir.resolve("overlap.profile");
        assertThat(run("import", bad.toString(), "--out", target.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("overlap.txt:3: 0x90000-0xFFFFF overlaps line 2 (0x0-0x9FFFF)");
        assertThat(target).doesNotExist();
        assertThat(dir.resolve("overlap.txt")).hasContent(java.nio.file.Files.readString(bad));
    }

    @Test
    void showPrintsTableAndPicturesByType() {
        assertThat(run("show", "dell-poweredge-r820")).isZero();
        String s = out.toString();
        assertThat(s).contains("EfiBootServicesData        0x0000000000010000 0x000000000009FFFF",
                "low 1 MiB", "below 4 GiB", "whole map", "legend:");
        // low 1 MiB picture: 0-0xFFFF absent, then boot-services data up to 640 KiB, then absent
        assertThat(s).contains("|    bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb                        |");
    }

    @Test
    void showOfAnUnknownProfileFails() {
        assertThat(run("show", "no-such-machine")).isEqualTo(1);
        assertThat(err.toString()).contains("no profile named 'no-such-machine'");
    }
}
