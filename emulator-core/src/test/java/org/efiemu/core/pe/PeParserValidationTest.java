package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Broken images made from the valid gcc-built pe-sample.efi, one field at a time; each must be refused with a
 * {@link PeFormatException} whose message names the image, the structure at fault and what was expected.
 */
class PeParserValidationTest {
  private final SampleImage sample = SampleImage.load();

  private AbstractThrowableAssert<?, ? extends Throwable> assertRejected(byte[] file) {
    return assertThatThrownBy(() -> PeParser.parse(file, SampleImage.NAME))
        .isInstanceOf(PeFormatException.class)
        .hasMessageStartingWith(SampleImage.NAME + ": ");
  }

  @Test
  void validSampleImageParses() throws PeFormatException {
    assertThat(sample.parse().subsystem()).isEqualTo(Subsystem.EFI_APPLICATION);
  }

  @Test
  void truncationBeforeTheEndOfTheLastSectionIsRejectedAtEveryLength() throws PeFormatException {
    PeSection last = sample.parse().section(".reloc").orElseThrow();
    int end = (int) (last.pointerToRawData() + last.sizeOfRawData());
    for (int length = 0; length < end; length++) {
      assertRejected(Arrays.copyOf(sample.file, length));
    }
  }

  @Test
  void truncationAfterTheLastSectionKeepsTheImageValidBecauseTheSymbolTableIsNotLoaded() throws PeFormatException {
    PeSection last = sample.parse().section(".reloc").orElseThrow();
    int end = (int) (last.pointerToRawData() + last.sizeOfRawData());
    assertThat(PeParser.parse(Arrays.copyOf(sample.file, end), "cut.efi").sections()).hasSize(sample.sectionCount);
  }

  @Test
  void fileShorterThanTheDosHeaderIsRejectedWithItsSize() {
    assertRejected(new byte[10]).hasMessage("pe-sample.efi: file is 0xA bytes, too short for the 64-byte MS-DOS header");
  }

  @Test
  void wrongDosMagicIsRejected() {
    assertRejected(sample.with(0, 2, 0x4D5A))
        .hasMessage("pe-sample.efi: MS-DOS header e_magic at offset 0x0 is 0x4D5A, expected 0x5A4D (\"MZ\")");
  }

  @Test
  void dosHeaderPointingPastTheFileIsRejected() {
    assertRejected(sample.with(0x3C, 4, 0xFFFF_FFF0L)).hasMessageContaining("e_lfanew (offset 0x3C) is 0xFFFFFFF0");
  }

  @Test
  void wrongPeSignatureIsRejected() {
    assertRejected(sample.with(sample.peOffset, 4, 0x4C45)).hasMessageContaining("PE signature at offset 0x80 is"
        + " 0x00004C45, expected 0x00004550");
  }

  @Test
  void nonAmd64MachineIsRejectedNamingTheMachine() {
    assertRejected(sample.with(sample.coff, 2, 0xAA64))
        .hasMessageContaining("Machine at offset 0x84 is 0xAA64 (ARM64), expected 0x8664 (AMD64)");
  }

  @Test
  void pe32ImageIsRejectedAsThirtyTwoBit() {
    assertRejected(sample.with(sample.opt, 2, 0x10B)).hasMessageContaining("32-bit image, efiemu runs x86-64 only");
  }

  @Test
  void unknownOptionalHeaderMagicIsRejected() {
    assertRejected(sample.with(sample.opt, 2, 0x107)).hasMessageContaining("0x107 (ROM image), expected 0x20B");
  }

  @Test
  void objectFileWithoutExecutableCharacteristicIsRejected() {
    assertRejected(sample.with(sample.coff + 18, 2, sample.u16(sample.coff + 18) & ~0x2))
        .hasMessageContaining("lacks IMAGE_FILE_EXECUTABLE_IMAGE");
  }

  @Test
  void nonUefiSubsystemIsRejectedNamingIt() {
    assertRejected(sample.with(sample.opt + 68, 2, 3))
        .hasMessageContaining("Subsystem is 3 (Windows CUI), expected a UEFI image");
  }

  @ParameterizedTest
  @ValueSource(ints = {10, 11, 12})
  void everyUefiSubsystemIsAccepted(int value) throws PeFormatException {
    PeImage image = PeParser.parse(sample.with(sample.opt + 68, 2, value), "driver.efi");
    assertThat(image.subsystem().value()).isEqualTo(value);
  }

  @Test
  void tooManySectionsAreRejected() {
    assertRejected(sample.with(sample.coff + 2, 2, 97)).hasMessageContaining("NumberOfSections is 97, expected 1..96");
  }

  @Test
  void sizeOfHeadersPastTheFileIsRejected() {
    assertRejected(sample.with(sample.opt + 60, 4, 0x10_0000)).hasMessageContaining("SizeOfHeaders is 0x100000");
  }

  @Test
  void imageBaseWrappingAroundTheAddressSpaceIsRejected() {
    byte[] file = sample.with(sample.opt + 24, 4, 0xFFFF_F000L);
    SampleImage.put(file, sample.opt + 28, 4, 0xFFFF_FFFFL);
    assertRejected(file).hasMessageContaining("ImageBase 0xFFFFFFFFFFFFF000 plus SizeOfImage 0x8000 wraps around");
  }

  @Test
  void nonPowerOfTwoAlignmentIsRejected() {
    assertRejected(sample.with(sample.opt + 36, 4, 0x300)).hasMessageContaining("FileAlignment 0x300");
  }

  @Test
  void sectionRawDataOutsideTheFileIsRejectedWithItsRange() {
    int text = sample.sectionHeader(".text");
    assertRejected(sample.with(text + 20, 4, 0x2400)).hasMessage(String.format(
        "pe-sample.efi: section .text: raw data 0x2400..0x3200 lies outside the file (size 0x%X)", sample.file.length));
  }

  @Test
  void sectionOutsideSizeOfImageIsRejected() {
    int reloc = sample.sectionHeader(".reloc");
    assertRejected(sample.with(reloc + 8, 4, 0x2000))
        .hasMessage("pe-sample.efi: section .reloc: RVA 0x7000..0x9000 lies outside the image (SizeOfImage 0x8000)");
  }

  @Test
  void overlappingSectionsAreRejectedNamingBoth() {
    int data = sample.sectionHeader(".data");
    assertRejected(sample.with(data + 12, 4, 0x1800))
        .hasMessage("pe-sample.efi: section .data: RVA 0x1800..0x1808 overlaps section .text (RVA 0x1000..0x1CF8)");
  }

  @Test
  void sectionOverlappingTheHeadersIsRejected() {
    int text = sample.sectionHeader(".text");
    assertRejected(sample.with(text + 12, 4, 0x200)).hasMessageContaining("overlaps the headers (SizeOfHeaders 0x400)");
  }

  @Test
  void entryPointOutsideTheImageIsRejected() {
    assertRejected(sample.with(sample.opt + 16, 4, 0x9000))
        .hasMessageContaining("AddressOfEntryPoint 0x9000 lies in no section (SizeOfImage 0x8000)");
  }

  @Test
  void dataDirectoryOutsideTheImageIsRejected() {
    int relocDirectory = sample.opt + PeParser.OPTIONAL_HEADER_FIXED + 8 * DataDirectory.BASE_RELOCATION;
    assertRejected(sample.with(relocDirectory, 4, 0x7FF0))
        .hasMessageContaining("data directory 5 (Base Relocation Table): RVA 0x7FF0..0x800C lies outside the image");
  }

  @Test
  void relocationBlockSizeBelowItsHeaderIsRejected() {
    int table = sample.relocationTable();
    assertRejected(sample.with(table + 4, 4, 4)).hasMessageContaining(String.format(
        "base relocation block 0 (page RVA 0x2000) at file offset 0x%X: SizeOfBlock 0x4 is invalid", table));
  }

  @Test
  void oddRelocationBlockSizeIsRejected() {
    assertRejected(sample.with(sample.relocationTable() + 4, 4, 0xB)).hasMessageContaining("SizeOfBlock 0xB");
  }

  @Test
  void relocationBlockRunningPastTheTableIsRejected() {
    assertRejected(sample.with(sample.relocationTable() + 4, 4, 0x40))
        .hasMessageContaining("SizeOfBlock 0x40 is invalid, expected an even size of at least 8 that ends within the"
            + " table (0x1C bytes left)");
  }

  @Test
  void unsupportedRelocationTypeIsRejectedNamingBlockEntryAndOffset() {
    int table = sample.relocationTable();
    // block 0 = page 0x2000 (12 bytes: HIGHLOW, ABSOLUTE); block 1 = page 0x3000: its entry 0 is the DIR64 at 0x3008
    int entry = table + 12 + 8;
    assertRejected(sample.with(entry, 2, 0x4008)).hasMessage(String.format("pe-sample.efi: base relocation block 1"
        + " (page RVA 0x3000) entry 0 at file offset 0x%X: type 4 (HIGHADJ) is not supported, expected ABSOLUTE (0),"
        + " HIGHLOW (3) or DIR64 (10)", entry));
  }

  @Test
  void relocationTargetOutsideTheImageIsRejected() {
    int table = sample.relocationTable();
    byte[] file = sample.with(table + 12, 4, 0x7000);
    SampleImage.put(file, table + 12 + 8, 2, 0xAFFC); // DIR64 at 0x7FFC..0x8004, SizeOfImage 0x8000
    assertRejected(file).hasMessageContaining("block 1 (page RVA 0x7000) entry 0 at file offset")
        .hasMessageContaining("DIR64 target RVA 0x7FFC..0x8004 lies outside the image (SizeOfImage"
        + " 0x8000)");
  }

  @Test
  void relocationTableNotBackedByFileDataIsRejected() {
    int relocDirectory = sample.opt + PeParser.OPTIONAL_HEADER_FIXED + 8 * DataDirectory.BASE_RELOCATION;
    assertRejected(sample.with(relocDirectory, 4, 0x5000))
        .hasMessageContaining("base relocation table at RVA 0x5000..0x501C is not backed by file data (section .bss");
  }
}
