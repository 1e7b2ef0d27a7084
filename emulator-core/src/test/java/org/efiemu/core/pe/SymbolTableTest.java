package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The COFF symbol table GNU ld leaves in the repository's own payloads (PE/COFF spec §5.4, §5.6). */
class SymbolTableTest {
  private static byte[] payload(String name) throws IOException {
    try (InputStream in = SymbolTableTest.class.getResourceAsStream("/payloads/" + name)) {
      assertThat(in).as("/payloads/%s built by generate-test-resources", name).isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void functionsOfTheDebugSampleAreFoundByNameAndByAddress() throws Exception {
    PeImage pe = PeParser.parse(payload("debug-sample.efi"), "debug-sample.efi");
    SymbolTable t = pe.symbols();
    assertThat(t.problem()).isEmpty();
    assertThat(t.names()).contains("efi_main", "mix", "memmove", "put_num").noneMatch(n -> n.startsWith("__"));
    long main = t.rvaOf("efi_main").orElseThrow();
    assertThat(main).isEqualTo(pe.entryPointRva());
    assertThat(t.lookup(main).orElseThrow().toString()).isEqualTo("efi_main");
    assertThat(t.lookup(main + 0x12).orElseThrow().toString()).isEqualTo("efi_main+0x12");
    for (long off : new long[] {0xA, 0xAB, 0x1F, 0xFFFFFFFFL, -1L}) { // as String.format("%s+0x%X") wrote it
      assertThat(new SymbolHit(new CoffSymbol("f", 0, true), off).toString()).isEqualTo(String.format("f+0x%X", off));
    }
    long mix = t.rvaOf("mix").orElseThrow();
    assertThat(t.lookup(mix + 1).orElseThrow().symbol().external()).isFalse();
    // below the first code symbol or outside code: nothing
    assertThat(t.lookup(0x10)).isEmpty();
    assertThat(t.lookup(pe.section(".rodata").orElseThrow().virtualAddress())).isEmpty();
  }

  @Test
  void everyCodeSymbolAgreesWithObjdump(@TempDir Path dir) throws Exception {
    byte[] file = payload("debug-sample.efi");
    Path copy = dir.resolve("debug-sample.efi");
    Files.write(copy, file);
    Process p = new ProcessBuilder("objdump", "-t", copy.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    PeImage pe = PeParser.parse(file, "debug-sample.efi");
    long text = pe.section(".text").orElseThrow().virtualAddress();
    long textSize = pe.section(".text").orElseThrow().loadedSize();
    // [ 25](sec  1)(fl 0x00)(ty    0)(scl   2) (nx 0) 0x0000000000000010 efi_main
    Pattern row = Pattern.compile("\\(sec +1\\).*\\(scl +([23])\\) \\(nx \\d\\) 0x([0-9a-f]+) (\\S+)");
    Map<String, Long> expected = new HashMap<>();
    for (String line : out.split("\n")) {
      Matcher m = row.matcher(line);
      long value = m.find() ? Long.parseLong(m.group(2), 16) : -1;
      if (value >= 0 && value < textSize && !m.group(3).startsWith("__") && !m.group(3).startsWith(".")) {
        expected.put(m.group(3), text + value);
      }
    }
    assertThat(expected).hasSizeGreaterThan(10);
    expected.forEach((name, rva) -> assertThat(pe.symbols().rvaOf(name)).as(name).hasValue(rva));
    assertThat(pe.symbols().names()).hasSameSizeAs(expected.keySet());
  }

  @Test
  void aStrippedImageHasNoSymbols() throws Exception {
    byte[] file = payload("debug-sample.efi");
    int coff = (int) FileReader.u32At(file, 0x3C) + 4;
    for (int i = 8; i < 16; i++) {
      file[coff + i] = 0; // PointerToSymbolTable, NumberOfSymbols
    }
    SymbolTable t = PeParser.parse(file, "stripped.efi").symbols();
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.problem()).isEmpty();
  }

  @Test
  void aSymbolTablePastTheEndOfTheFileIsNamedButTheImageStillParses() throws Exception {
    byte[] file = payload("debug-sample.efi");
    int coff = (int) FileReader.u32At(file, 0x3C) + 4;
    file[coff + 12] = (byte) 0xFF; // NumberOfSymbols: far more records than the file holds
    file[coff + 13] = (byte) 0xFF;
    PeImage pe = PeParser.parse(file, "broken.efi");
    assertThat(pe.symbols().isEmpty()).isTrue();
    assertThat(pe.symbols().problem()).hasValueSatisfying(m -> assertThat(m).contains("broken.efi")
        .contains("COFF symbol table").contains("outside the file"));
  }
}
