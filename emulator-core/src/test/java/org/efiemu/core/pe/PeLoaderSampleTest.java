package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gcc + GNU ld image of src/test/c/pe-sample, parsed and laid out. Its C source fixes what the image must hold:
 * {@code sample_table} = {magic "PESAMPLE", &sample_table, greeting, efi_main, 0x1122334455667788} (three absolute
 * pointers: three DIR64 base relocations in one page) and abs32.S's {@code .long sample_table} in .data (one HIGHLOW
 * in another page). PE/COFF spec §6.6 makes each relocation block a multiple of 4 bytes, so a block with an odd
 * number of entries gets one ABSOLUTE pad: 2 blocks, 6 entries. payload.mk links at ImageBase 0x10000000 with
 * SectionAlignment 0x1000 and FileAlignment 0x200, entry point efi_main ({@code -e efi_main}).
 */
class PeLoaderSampleTest {
  private static final long MAGIC = 0x454C504D41534550L;
  private static final long PLAIN = 0x1122334455667788L;
  private static final long ABS32_MARKER = 0x41425333L;

  private final SampleImage sample = SampleImage.load();
  private final PeImage image;

  PeLoaderSampleTest() throws PeFormatException {
    image = sample.parse();
  }

  @Test
  void headersAreThoseThePayloadMakefileAsksTheLinkerFor() {
    assertThat(image.machine()).isEqualTo(PeImage.MACHINE_AMD64);
    assertThat(image.imageBase()).isEqualTo(0x1000_0000L);
    assertThat(image.sectionAlignment()).isEqualTo(0x1000);
    assertThat(image.fileAlignment()).isEqualTo(0x200);
    assertThat(image.subsystem()).isEqualTo(Subsystem.EFI_APPLICATION);
    assertThat(image.isRelocatable()).isTrue();
    assertThat(image.sectionAt(image.entryPointRva()).orElseThrow().name()).isEqualTo(".text");
    assertThat(image.section(".text").orElseThrow().isExecutable()).isTrue();
    assertThat(image.sizeOfImage() % image.sectionAlignment()).isZero();
    assertThat(image.codeView()).isEmpty();
  }

  @Test
  void relocationsAreThreeDir64InTheTableOneHighlowAndTwoPads() throws PeFormatException {
    byte[] loaded = PeLoader.layout(image, image.imageBase());
    long table = tableRva(loaded);
    long abs32 = abs32Rva(loaded);
    assertThat(image.relocations()).containsExactlyInAnyOrder(
        new PeRelocation(RelocationType.HIGHLOW, abs32),
        new PeRelocation(RelocationType.ABSOLUTE, abs32 & ~0xFFFL),
        new PeRelocation(RelocationType.DIR64, table + 8),
        new PeRelocation(RelocationType.DIR64, table + 16),
        new PeRelocation(RelocationType.DIR64, table + 24),
        new PeRelocation(RelocationType.ABSOLUTE, table & ~0xFFFL));
    assertThat(image.relocationCount()).isEqualTo(6);
    assertThat(image.relocationCount(RelocationType.DIR64)).isEqualTo(3);
  }

  @Test
  void layoutAtImageBaseKeepsTheLinkTimeAddresses() throws PeFormatException {
    checkPointers(PeLoader.layout(image, image.imageBase()), image.imageBase());
  }

  @ParameterizedTest
  @ValueSource(longs = {0x7F00_0000L, 0x1000L, 0x1_2345_6000L, 0xFFFF_8000_0000_0000L})
  void layoutAtAnotherBaseRelocatesEveryPointerByTheDelta(long base) throws PeFormatException {
    checkPointers(PeLoader.layout(image, base), base);
  }

  private void checkPointers(byte[] loaded, long base) {
    assertThat(loaded).hasSize((int) image.sizeOfImage());
    long table = tableRva(loaded);
    assertThat(u64(loaded, table + 8)).as("self").isEqualTo(base + table);
    long greeting = u64(loaded, table + 16) - base;
    assertThat(new String(loaded, (int) greeting, 20, StandardCharsets.US_ASCII)).isEqualTo("pe-sample says hello");
    assertThat(u64(loaded, table + 24)).as("entry").isEqualTo(image.entryPoint(base));
    assertThat(u64(loaded, table + 32)).as("not relocated").isEqualTo(PLAIN);
    long abs32 = abs32Rva(loaded);
    // HIGHLOW adds the low 32 bits of the delta (EDK2 PeCoffLoaderRelocateImageEx: *Fixup32 += (UINT32) Adjust)
    assertThat(FileReader.u32At(loaded, (int) abs32)).isEqualTo((base + table) & 0xFFFF_FFFFL);
  }

  @ParameterizedTest
  @ValueSource(longs = {0x1000_0000L /* its ImageBase */, 0x7F00_0000L, 0x1000L})
  void layoutIntoASinkWritesInOneCallTheBytesOfTheLayoutArray(long base) throws PeFormatException {
    List<byte[]> writes = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    PeLoader.layout(image, base, (offset, bytes, from, length) -> {
      offsets.add(offset);
      writes.add(java.util.Arrays.copyOfRange(bytes, from, from + length));
    });
    assertThat(offsets).containsExactly(0L);
    assertThat(writes.get(0)).isEqualTo(PeLoader.layout(image, base));
    checkPointers(writes.get(0), base);
  }

  @Test
  void aLayoutArrayIsTheCallersOwnSoChangingItChangesNoLaterLoad() throws PeFormatException {
    // the image keeps its laid-out bytes for every load after the first: what a caller gets is a copy of them
    byte[] first = PeLoader.layout(image, image.imageBase());
    byte[] pristine = first.clone();
    java.util.Arrays.fill(first, (byte) 0x5A);
    assertThat(PeLoader.layout(image, image.imageBase())).isEqualTo(pristine);
    byte[] sunk = new byte[pristine.length];
    PeLoader.layout(image, image.imageBase(), (offset, bytes, from, length) -> System.arraycopy(bytes, from, sunk, 0, length));
    assertThat(sunk).isEqualTo(pristine);
    checkPointers(PeLoader.layout(image, 0x20_0000L), 0x20_0000L);
  }

  @Test
  void writeFileLendsTheParsedFileInOneCall() throws PeFormatException {
    List<byte[]> writes = new ArrayList<>();
    PeLoader.writeFile(image, (offset, bytes, from, length) -> {
      assertThat(offset).isZero();
      writes.add(java.util.Arrays.copyOfRange(bytes, from, from + length));
    });
    assertThat(writes).hasSize(1);
    assertThat(writes.get(0)).isEqualTo(image.toFileBytes()).hasSize(image.fileSize());
  }

  @Test
  void theFileViewHoldsTheFileAndCannotChangeIt() {
    java.nio.ByteBuffer view = image.fileView();
    assertThat(view.isReadOnly()).isTrue();
    byte[] read = new byte[view.remaining()];
    view.get(read);
    assertThat(read).isEqualTo(image.toFileBytes());
    assertThatThrownBy(() -> image.fileView().put(0, (byte) 1)).isInstanceOf(java.nio.ReadOnlyBufferException.class);
  }

  @Test
  void twoLayoutsDifferOnlyInsideRelocatedFields() throws PeFormatException {
    byte[] a = PeLoader.layout(image, 0x20_0000L);
    byte[] b = PeLoader.layout(image, 0x7654_3000L);
    List<Long> differing = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        differing.add((long) i);
      }
    }
    assertThat(differing).isNotEmpty().allSatisfy(rva -> assertThat(image.relocations())
        .as("relocation covering RVA 0x%X", rva)
        .anyMatch(r -> rva >= r.rva() && rva < r.rva() + r.type().width()));
  }

  @Test
  void headersAreCopiedAndUninitialisedBytesAreZero() throws PeFormatException {
    byte[] loaded = PeLoader.layout(image, image.imageBase());
    for (int i = 0; i < image.sizeOfHeaders(); i++) {
      assertThat(loaded[i]).isEqualTo(sample.file[i]);
    }
    for (int rva = 0; rva < loaded.length; rva++) {
      PeSection s = image.sectionAt(rva).orElse(null);
      boolean initialised = rva < image.sizeOfHeaders() || s != null && rva - s.virtualAddress() < s.copiedSize();
      if (!initialised) {
        assertThat(loaded[rva]).as("RVA 0x%X (%s)", rva, image.describeRva(rva)).isZero();
      } else if (s != null) {
        assertThat(loaded[rva]).isEqualTo(sample.file[(int) (s.pointerToRawData() + rva - s.virtualAddress())]);
      }
    }
  }

  @Test
  void unalignedLoadBaseIsRejectedNamingIt() {
    assertThatThrownBy(() -> PeLoader.layout(image, 0x1000_0800L)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pe-sample.efi: load base 0x10000800 is not a multiple of 4 KiB (0x1000)");
  }

  @Test
  void imageWithStrippedRelocationsLoadsOnlyAtItsImageBase() throws PeFormatException {
    byte[] stripped = sample.with(sample.coff + 18, 2, sample.u16(sample.coff + 18) | 0x1);
    PeImage fixed = PeParser.parse(stripped, "fixed.efi");
    assertThat(fixed.isRelocatable()).isFalse();
    assertThat(PeLoader.layout(fixed, fixed.imageBase())).hasSize((int) fixed.sizeOfImage());
    assertThatThrownBy(() -> PeLoader.layout(fixed, 0x4000_0000L)).isInstanceOf(PeFormatException.class)
        .hasMessageContaining("fixed.efi: relocations are stripped")
        .hasMessageContaining("only be loaded at its ImageBase 0x10000000, not at 0x40000000");
  }

  @Test
  void pageCountCoversSizeOfImage() {
    assertThat(PeLoader.pageCount(image)).isEqualTo(image.sizeOfImage() / 0x1000);
  }

  @Test
  void toStringNamesTypeBaseEntryAndSections() {
    assertThat(image.toString()).startsWith("pe-sample.efi: PE32+ x86-64 EFI application, ImageBase 0x10000000,")
        .contains("(.text+0x").contains(".reloc]").endsWith("6 base relocations");
    assertThat(image.section(".bss").orElseThrow().toString()).startsWith(".bss RVA 0x").contains(" rw- ");
  }

  private static long tableRva(byte[] loaded) {
    for (int i = 0; i + 8 <= loaded.length; i += 8) {
      if (u64(loaded, i) == MAGIC) {
        return i;
      }
    }
    throw new AssertionError("sample_table magic not found in the loaded image");
  }

  private static long abs32Rva(byte[] loaded) {
    for (int i = 4; i + 4 <= loaded.length; i += 4) {
      if (FileReader.u32At(loaded, i) == ABS32_MARKER) {
        return i - 4;
      }
    }
    throw new AssertionError("abs32.S marker not found in the loaded image");
  }

  private static long u64(byte[] b, long at) {
    return FileReader.u64At(b, (int) at);
  }
}
