package org.efiemu.platform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.importer.ImportResult;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.spec.PlacementSpec;
import org.junit.jupiter.api.Test;

/**
 * A profile imported from a real EDK2-based server's boot log places memory as that firmware did: the {@code pool-first}
 * payload's first AllocatePool(EfiLoaderData, 0x88) and AllocatePages(AnyPages) land just below the inferred
 * memory-type bins, under 4 GiB, not at the top of its 90 GiB (EDK2 {@code FindFreePages}, default-max).
 */
class ImportedPlacementBootTest {

    private static final String M4 = "ibm-system-x3550-m4-uefi-efimap.txt";
    /** The x3550 M4's bin stack: RT_Code at 0x7E3A3000 (mem57) up to ACPI NVS ending 0x7EBB3FFF (mem60). */
    private static final long M4_BIN_BASE = 0x7E3A3000L;
    /** mem55: EfiConventionalMemory 0x7D95C000-0x7D975FFF, the highest free range below the bins. */
    private static final long M4_FREE_BELOW_BINS = 0x7D95C000L;
    private static final long FOUR_GIB = 0x1_0000_0000L;

    private record Firsts(long pool, long page) {}

    private static Firsts boot(PlatformProfile p) {
        Path payload = Path.of("target/test-classes/payloads/pool-first.efi");
        assertThat(payload).as("built by generate-test-resources").isRegularFile();
        try (UefiMachine m = UefiMachine.builder(p.toDescription()).payload(payload).instructionBudget(50_000_000)
                .build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as(r.consoleText()).isEqualTo(BootOutcome.RETURNED);
            return new Firsts(address(r.consoleText(), "pool"), address(r.consoleText(), "page"));
        }
    }

    private static long address(String console, String what) {
        Matcher m = Pattern.compile(what + " EFI_SUCCESS 0x([0-9a-f]+)").matcher(console);
        assertThat(m.find()).as(console).isTrue();
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    private static ImportResult importM4(ImportOptions o) throws IOException {
        return DumpImporter.importFile(PlatformData.file(M4), o);
    }

    @Test
    void importedIbmX3550M4PutsTheFirstLoaderDataPoolJustBelowItsBinsUnder4GiB() throws IOException {
        ImportResult r = importM4(ImportOptions.defaults());
        assertThat(r.profile().placement().param("default-max", null)).isEqualTo("0x7E3A2FFF");
        Firsts f = boot(r.profile());
        assertThat(f.pool()).isBetween(M4_FREE_BELOW_BINS, M4_BIN_BASE - 1).isLessThan(FOUR_GIB);
        assertThat(f.page()).isBetween(M4_FREE_BELOW_BINS, M4_BIN_BASE - 1);
        // exactly: the pool page is the top page of mem55 (the payload loads at its linked base 0x10000000), the
        // pool header takes 0x18 bytes, and the next AnyPages request takes the page below it
        assertThat(f.pool()).isEqualTo(0x7D975018L);
        assertThat(f.page()).isEqualTo(0x7D974000L);
    }

    @Test
    void reclaimedLoaderMemoryDoesNotMoveTheFirstAllocationsAwayFromBelowTheBins() throws IOException {
        Firsts kept = boot(importM4(ImportOptions.defaults()).profile());
        Firsts reclaimed = boot(importM4(ImportOptions.defaults().withReclaimLoader(true)).profile());
        assertThat(reclaimed).isEqualTo(kept);
    }

    @Test
    void placementGivenOnTheCommandLineOverridesTheInferenceAndPlainTopDownTakesTheTopOfRam() throws IOException {
        ImportResult r = importM4(ImportOptions.defaults().withPlacement(PlacementSpec.EDK2_TOPDOWN));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("placement given with --placement: edk2-topdown; the inference"
                + " was not applied (it found edk2-topdown bins=EfiRuntimeServicesCode@0x7E3A3000+0x20F"));
        Firsts f = boot(r.profile());
        // the top of the 88 GiB above 4 GiB (mem62 ends 0x167FFFFFFF): what the issue saw before the inference
        assertThat(f.pool()).isEqualTo(0x167FFFF018L);
    }
}
