package org.efiemu.core.dwarf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.core.pe.PeSection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DWARF line tables of payloads the build compiles with gcc 12 -g (dwarf5-sample: DWARF 5, two compilation units;
 * dwarf4-sample: -gdwarf-4), checked row by row against binutils' objdump and address by address against addr2line.
 */
class LineTableTest {
  /** One row as objdump --dwarf=decodedline prints it; line -1 ends a sequence. */
  record Expected(String file, long line, long address, boolean stmt) {}

  private static byte[] payload(String name) throws IOException {
    try (InputStream in = LineTableTest.class.getResourceAsStream("/payloads/" + name)) {
      assertThat(in).as("/payloads/%s built by generate-test-resources", name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", command, out).isZero();
    return out;
  }

  private static List<Expected> objdumpRows(Path efi) throws Exception {
    String out = run(List.of("objdump", "--dwarf=decodedline", efi.toString()));
    // dwarf5_main.c     17     0x10001000     1     x
    Pattern row = Pattern.compile("^(\\S+)\\s+(\\d+|-)\\s+0x([0-9a-f]+)(?:\\s+\\d+)?(\\s+x)?\\s*$");
    List<Expected> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        rows.add(new Expected(m.group(2).equals("-") ? null : m.group(1),
            m.group(2).equals("-") ? -1 : Long.parseLong(m.group(2)), Long.parseLong(m.group(3), 16),
            m.group(4) != null));
      }
    }
    return rows;
  }

  private static void agreesWithObjdump(String name, int versionExpected, @TempDir Path dir) throws Exception {
    byte[] file = payload(name);
    Path copy = dir.resolve(name);
    Files.write(copy, file);
    assertThat(run(List.of("objdump", "--dwarf=rawline", copy.toString())))
        .contains("DWARF Version:               " + versionExpected);
    List<Expected> expected = new ArrayList<>(objdumpRows(copy));
    expected.sort(Comparator.comparingLong(Expected::address).thenComparing(e -> e.line() < 0 ? 0 : 1));
    PeImage pe = PeParser.parse(file, name);
    LineTable t = pe.lines();
    assertThat(t.problem()).isEmpty();
    List<Expected> actual = new ArrayList<>();
    for (LineTable.Row r : t.rows()) {
      actual.add(r.line() == null ? new Expected(null, -1, pe.imageBase() + r.rva(), false)
          : new Expected(r.line().fileName(), r.line().line(), pe.imageBase() + r.rva(), r.isStmt()));
    }
    assertThat(expected).hasSizeGreaterThan(10);
    assertThat(actual).containsExactlyElementsOf(expected);
  }

  @Test
  void everyRowOfADwarf5LineProgramAgreesWithObjdump(@TempDir Path dir) throws Exception {
    agreesWithObjdump("dwarf5-sample.efi", 5, dir);
  }

  @Test
  void everyRowOfADwarf4LineProgramAgreesWithObjdump(@TempDir Path dir) throws Exception {
    agreesWithObjdump("dwarf4-sample.efi", 4, dir);
  }

  @Test
  void everyCodeAddressMapsToTheLineAddr2lineNames(@TempDir Path dir) throws Exception {
    byte[] file = payload("dwarf5-sample.efi");
    Path copy = dir.resolve("dwarf5-sample.efi");
    Files.write(copy, file);
    PeImage pe = PeParser.parse(file, "dwarf5-sample.efi");
    LineTable t = pe.lines();
    long first = t.rows().get(0).rva();
    long end = t.rows().get(t.rows().size() - 1).rva();
    List<String> command = new ArrayList<>(List.of("addr2line", "-e", copy.toString()));
    for (long rva = first; rva < end + 4; rva++) {
      command.add("0x" + Long.toHexString(pe.imageBase() + rva));
    }
    String[] answers = run(command).split("\n");
    assertThat(answers).hasSize((int) (end + 4 - first));
    int known = 0;
    for (long rva = first; rva < end + 4; rva++) {
      String answer = answers[(int) (rva - first)].replaceFirst(" \\(discriminator \\d+\\)$", "");
      String ours = t.lookup(rva).map(l -> l.path() + ":" + l.line()).orElse("??:0");
      if (!answer.startsWith("??") && !answer.endsWith(":?")) {
        known++;
        assertThat(ours).as("RVA 0x%X", rva).isEqualTo(answer);
      } else {
        // "??:0" outside every unit, "main.c:?" inside a unit's range but past its line program (padding)
        assertThat(t.lookup(rva)).as("RVA 0x%X (addr2line: %s)", rva, answer).isEmpty();
      }
    }
    assertThat(known).isGreaterThan(200);
    assertThat(t.files()).anyMatch(f -> f.endsWith("/dwarf5-sample/dwarf5_main.c"))
        .anyMatch(f -> f.endsWith("/dwarf5-sample/dwarf5_scale.c"));
  }

  @Test
  void aBreakpointOnALineGoesToItsFirstStatementAndABlankLineToTheNextLineWithCode(@TempDir Path dir)
      throws Exception {
    byte[] file = payload("dwarf5-sample.efi");
    Path copy = dir.resolve("dwarf5-sample.efi");
    Files.write(copy, file);
    PeImage pe = PeParser.parse(file, "dwarf5-sample.efi");
    List<Expected> rows = objdumpRows(copy);
    long line8 = rows.stream().filter(e -> "dwarf5_scale.c".equals(e.file()) && e.line() == 8 && e.stmt())
        .mapToLong(Expected::address).min().orElseThrow();
    LineTable.Row r = pe.lines().firstRowOf("dwarf5_scale.c", 8).orElseThrow();
    assertThat(pe.imageBase() + r.rva()).isEqualTo(line8);
    assertThat(r.line().toString()).isEqualTo("dwarf5_scale.c:8");
    // line 5 is blank: the breakpoint goes to line 6, the function's first line
    assertThat(pe.lines().firstRowOf("dwarf5-sample/dwarf5_scale.c", 5).orElseThrow().line().line()).isEqualTo(6);
    assertThat(pe.lines().firstRowOf("dwarf5_scale.c", 500)).isEmpty();
    assertThat(pe.lines().hasFile("scale.c")).isFalse();
    assertThat(pe.lines().hasFile("dwarf5_scale.c")).isTrue();
  }

  @Test
  void debugSectionNamesAreReadThroughTheCoffStringTable() throws Exception {
    byte[] file = payload("dwarf5-sample.efi");
    PeImage pe = PeParser.parse(file, "dwarf5-sample.efi");
    List<String> headerNames = pe.sections().stream().map(PeSection::name).toList();
    assertThat(headerNames).anyMatch(n -> n.matches("/\\d+"));
    List<String> resolved = headerNames.stream().map(n -> PeDebugSections.name(file, n)).toList();
    assertThat(resolved).contains(".text", ".debug_line", ".debug_info", ".debug_line_str", ".debug_str");
  }

  @Test
  void anImageBuiltWithoutDashGHasAnEmptyTableAndNoProblem() throws Exception {
    PeImage pe = PeParser.parse(payload("debug-sample.efi"), "debug-sample.efi");
    assertThat(pe.lines().isEmpty()).isTrue();
    assertThat(pe.lines().problem()).isEmpty();
    assertThat(pe.lines().lookup(pe.entryPointRva())).isEmpty();
  }

  private static int debugLineOffset(byte[] file, PeImage pe) throws Exception {
    for (PeSection s : pe.sections()) {
      if (PeDebugSections.name(file, s.name()).equals(".debug_line")) {
        return (int) s.pointerToRawData();
      }
    }
    throw new AssertionError("no .debug_line");
  }

  @Test
  void aBadLineTableVersionIsNamedWithItsOffsetAndTheImageKeepsItsSymbols() throws Exception {
    byte[] file = payload("dwarf5-sample.efi");
    int at = debugLineOffset(file, PeParser.parse(file, "x.efi"));
    file[at + 4] = 9; // version of the first unit
    file[at + 5] = 0;
    PeImage pe = PeParser.parse(file, "bad-version.efi");
    assertThat(pe.lines().isEmpty()).isTrue();
    assertThat(pe.lines().problem()).hasValue("bad-version.efi: .debug_line+0x4: line table version 9, expected 2 to 5");
    assertThat(pe.symbols().rvaOf("efi_main")).isPresent();
  }

  @Test
  void aUnitLongerThanItsSectionIsNamed() throws Exception {
    byte[] file = payload("dwarf5-sample.efi");
    int at = debugLineOffset(file, PeParser.parse(file, "x.efi"));
    file[at + 2] = 0x7F; // unit_length far beyond the section
    PeImage pe = PeParser.parse(file, "long-unit.efi");
    assertThat(pe.lines().problem()).hasValueSatisfying(m -> assertThat(m)
        .startsWith("long-unit.efi: .debug_line+0x0: unit_length 0x").contains("runs past the end of the section"));
  }

  @Test
  void corruptedLineProgramsNeverThrowOnlyCarryAProblem() throws Exception {
    byte[] original = payload("dwarf5-sample.efi");
    int at = debugLineOffset(original, PeParser.parse(original, "x.efi"));
    Random random = new Random(17);
    int problems = 0;
    for (int i = 0; i < 400; i++) {
      byte[] file = original.clone();
      for (int k = 0; k < 1 + random.nextInt(4); k++) {
        file[at + random.nextInt(0x100)] = (byte) random.nextInt(256);
      }
      PeImage pe = PeParser.parse(file, "fuzz.efi");
      assertThatCode(() -> {
        LineTable t = pe.lines();
        t.lookup(0x1010);
        t.firstRowOf("dwarf5_main.c", 20);
      }).as("mutation %d", i).doesNotThrowAnyException();
      if (pe.lines().problem().isPresent()) {
        problems++;
        assertThat(pe.lines().problem().get()).startsWith("fuzz.efi: .debug_line");
      }
    }
    assertThat(problems).isGreaterThan(50);
  }
}
