package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrategyDescriptorTest {
    private static final String VALID = """
            # comments start with '#'
            name: my-allocator
            payload: my-allocator.efi
            description: bump allocator over a pool from AllocatePages(AllocateMaxAddress, 4 GiB)
            seed: option 1 with a 4 GiB limit
            image-cost: none
            load-address: 1MiB
            """;

    @Test
    void parsesEveryKeyOfTheDocumentedFormat() {
        StrategyDescriptor d = StrategyDescriptor.parse(VALID, "my.strategy");
        assertThat(d.name()).isEqualTo("my-allocator");
        assertThat(d.payload()).isEqualTo("my-allocator.efi");
        assertThat(d.seed()).isEqualTo("option 1 with a 4 GiB limit");
        assertThat(d.loadAddress()).hasValue(0x100000);
    }

    @Test
    void loadAddressAcceptsFirmwareHexAndSizes() {
        assertThat(StrategyDescriptor.parseLoadAddress("firmware", "x")).isEmpty();
        assertThat(StrategyDescriptor.parseLoadAddress("0x200000", "x")).hasValue(0x200000);
        assertThat(StrategyDescriptor.parseLoadAddress("16MiB", "x")).hasValue(16L << 20);
    }

    @Test
    void unalignedLoadAddressIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> StrategyDescriptor.parseLoadAddress("0x100010", "a.strategy"))
                .hasMessageContaining("a.strategy").hasMessageContaining("0x100010").hasMessageContaining("4 KiB aligned");
    }

    @Test
    void unknownKeyIsAnErrorWithFileAndLine() {
        assertThatThrownBy(() -> StrategyDescriptor.parse("name: a\ncolour: red\n", "x.strategy"))
                .isInstanceOf(StrategyFormatException.class)
                .hasMessageStartingWith("x.strategy:2: unknown key 'colour'");
    }

    @Test
    void repeatedKeyIsAnError() {
        assertThatThrownBy(() -> StrategyDescriptor.parse("name: a\nname: b\n", "x.strategy"))
                .hasMessageContaining("x.strategy:2").hasMessageContaining("appears twice");
    }

    @Test
    void missingRequiredKeyIsNamed() {
        assertThatThrownBy(() -> StrategyDescriptor.parse("name: a\npayload: a.efi\n", "x.strategy"))
                .hasMessageContaining("'description' is missing");
    }

    @Test
    void badNameIsRejected() {
        assertThatThrownBy(() -> StrategyDescriptor.parse("name: My_Alloc\npayload: a.efi\ndescription: d\n", "x.strategy"))
                .hasMessageContaining("'My_Alloc'").hasMessageContaining("[a-z0-9]");
    }

    @Test
    void builtInsAreListedInReportOrderWithTheirPayloads() {
        assertThat(StrategyCatalog.builtInNames()).startsWith("place-string", "place-string-mb2", "mem-lower").hasSize(9);
        Strategy mb2 = StrategyCatalog.builtIn("place-string-mb2");
        assertThat(mb2.descriptor().loadAddress()).hasValue(0x100000);
        assertThat(mb2.payloadName()).isEqualTo("place-string-mb2.efi");
        assertThat(mb2.peImage().imageBase()).isEqualTo(0x100000);
    }

    @Test
    void unknownBuiltInNamesTheKnownOnes() {
        assertThatThrownBy(() -> StrategyCatalog.builtIn("nope"))
                .hasMessageContaining("unknown strategy 'nope'").hasMessageContaining("efi-pool");
    }

    @Test
    void userStrategyReadsItsPayloadRelativeToTheDescriptor(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("mine.efi"), StrategyCatalog.builtIn("efi-pool").payloadBytes());
        Files.writeString(dir.resolve("mine.strategy"), "name: mine\npayload: mine.efi\ndescription: a copy of efi-pool\n");
        Strategy s = StrategyCatalog.resolve(dir.resolve("mine.strategy").toString());
        assertThat(s.name()).isEqualTo("mine");
        assertThat(s.fileSize()).isEqualTo(StrategyCatalog.builtIn("efi-pool").fileSize());
    }

    @Test
    void userStrategyWithANonPePayloadIsRejectedNamingThePayload(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.efi"), "not a PE file");
        Files.writeString(dir.resolve("bad.strategy"), "name: bad\npayload: bad.efi\ndescription: broken\n");
        assertThatThrownBy(() -> StrategyCatalog.load(dir.resolve("bad.strategy")))
                .hasMessageContaining("bad.efi").hasMessageContaining("not a valid PE32+ EFI image");
    }

    @Test
    void expectedVerdictLinesAreParsedAndMalformedOnesNamed() {
        ExpectedVerdicts e = ExpectedVerdicts.parse("# c\na b WARN because\n", "f.txt");
        assertThat(e.lookup("a", "b")).hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("because"));
        assertThatThrownBy(() -> ExpectedVerdicts.parse("a b MAYBE why\n", "f.txt")).hasMessageStartingWith("f.txt:1:");
    }
}
