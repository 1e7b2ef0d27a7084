package org.efiemu.platform.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.importer.DumpFormat;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.importer.ImportResult;
import org.efiemu.uefi.spec.PlacementSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code profile import <dump>}: a real memory-map dump becomes a profile; prints what was inferred. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a memory-map dump (Linux 'efi: memNN:' or BIOS-e820, UEFI Shell memmap, GRUB lsefimmap/lsmmap, FreeBSD EFI map, Xen, SeaBIOS, coreboot) as a profile, inferring the placement.")
final class ProfileImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    ProfileCommand parent;

    @Parameters(index = "0", paramLabel = "DUMP", description = "the dump file (a boot log or a Shell capture)")
    Path dump;

    @Option(names = "--name", paramLabel = "N", description = "profile name (default: from the file name)")
    String name;

    @Option(names = "--reclaim-loader", description = "return EfiLoaderCode/EfiLoaderData to EfiConventionalMemory"
            + " (maps printed after GRUB or a kernel stub ran)")
    boolean reclaimLoader;

    @Option(names = "--format", paramLabel = "F", description = "which map to read: ${COMPLETION-CANDIDATES} (default AUTO)")
    DumpFormat format = DumpFormat.AUTO;

    @Option(names = "--placement", paramLabel = "SPEC", description = "placement rule to write instead of the inferred"
            + " one, as a profile's placement: line, e.g. 'edk2-topdown default-max=0x7FFFFFFF'")
    String placement;

    @Option(names = "--firmware-probe", paramLabel = "FILE", description = "a firmware-probe capture of the same machine "
            + "(efiemu profile capture --firmware-probe): its configuration tables and PCI devices become the profile's "
            + "configuration-tables and pci-device lines")
    Path firmwareProbe;

    @Option(names = "--out", paramLabel = "FILE", description = "write here instead of the user profile folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        ImportResult r;
        try {
            PlacementSpec given = placement == null ? null : ProfileParser.parsePlacement(placement, "--placement", 0);
            r = DumpImporter.importFile(dump, new ImportOptions(name, reclaimLoader, format, given));
            if (firmwareProbe != null) {
                org.efiemu.platform.capture.FirmwareProbeFacts facts = org.efiemu.platform.capture.FirmwareProbeFacts.parse(
                        org.efiemu.platform.TextFiles.readUtf8(firmwareProbe, "firmware-probe capture"), firmwareProbe.toString());
                java.util.List<String> notes = new java.util.ArrayList<>(r.notes());
                notes.addAll(facts.notes());
                r = new ImportResult(facts.applyTo(r.profile(), firmwareProbe.getFileName().toString()), r.format(), notes,
                        r.inference());
            }
        } catch (ProfileFormatException | java.nio.file.NoSuchFileException e) {
            spec.commandLine().getErr().println("profile import: " + (e instanceof ProfileFormatException
                    ? e.getMessage() : "no such file " + e.getMessage()));
            return 1;
        }
        Path written;
        if (out != null) {
            ProfileWriter.write(r.profile(), out);
            written = out;
        } else {
            written = parent.registry().save(r.profile());
        }
        o.println("wrote " + written + ": " + r.profile());
        o.println("notes (" + r.notes().size() + "):");
        r.notes().forEach(n -> o.println("  - " + n));
        if (out == null) {
            o.println("use it with --platform " + r.profile().name());
        }
        o.flush();
        return 0;
    }
}
