package org.efiemu.core.pe;

import com.google.common.collect.ImmutableRangeMap;
import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Parses and validates a PE32+ x86-64 UEFI image (Microsoft PE/COFF specification rev. 11: §2 MS-DOS stub and
 * signature, §3.3 COFF file header, §3.4 optional header, §4 section table, §6.1 debug directory, §6.6 base
 * relocations, §5.4 COFF symbol table; UEFI 2.10 §2.1.1 for the accepted subsystems). Every malformed input ends in a
 * {@link PeFormatException} naming the image, the structure or field and what was expected; no other exception
 * escapes and the work is linear in the file size, so any byte array is safe to pass.
 */
public final class PeParser {
  /** Largest SizeOfImage accepted; the loaded image is built as one Java array. */
  public static final long MAX_SIZE_OF_IMAGE = 1L << 30;
  /** The PE/COFF spec §3.3 limit on NumberOfSections for images loaded by Windows; EDK2 images stay far below. */
  public static final int MAX_SECTIONS = 96;

  static final int PE32_MAGIC = 0x10B;
  static final int PE32_PLUS_MAGIC = 0x20B;
  static final int ROM_MAGIC = 0x107;
  /** {@code IMAGE_FILE_EXECUTABLE_IMAGE} (PE/COFF spec §3.3.2). */
  static final int CHARACTERISTIC_EXECUTABLE = 0x0002;
  /** Size of the PE32+ optional header before the data directories (PE/COFF spec §3.4.1, §3.4.2). */
  static final int OPTIONAL_HEADER_FIXED = 112;
  static final int SECTION_HEADER_SIZE = 40;

  private PeParser() {
  }

  /** Reads and parses a file; the image is named after the file name. */
  public static PeImage parse(Path path) throws IOException, PeFormatException {
    return parse(Files.readAllBytes(path), path.getFileName().toString());
  }

  /**
   * Parses {@code file} as a PE32+ image.
   *
   * @param file the whole image file
   * @param name the image's name in messages, usually its file name
   */
  public static PeImage parse(byte[] file, String name) throws PeFormatException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(name, "name");
    FileReader r = new FileReader(file, name);

    // §2: MS-DOS header "MZ", e_lfanew at 0x3C points at the "PE\0\0" signature
    if (file.length < 0x40) {
      throw r.error(String.format("file is 0x%X bytes, too short for the 64-byte MS-DOS header", file.length));
    }
    int dosMagic = r.u16(0, "MS-DOS header e_magic");
    if (dosMagic != 0x5A4D) {
      throw r.error(String.format("MS-DOS header e_magic at offset 0x0 is 0x%04X, expected 0x5A4D (\"MZ\")", dosMagic));
    }
    long peOffset = r.u32(0x3C, "MS-DOS header e_lfanew");
    if (peOffset + 4 + 20 > file.length) {
      throw r.error(String.format("MS-DOS header e_lfanew (offset 0x3C) is 0x%X; the PE signature and COFF header"
          + " (24 bytes) would end at 0x%X, past the end of the file (size 0x%X)", peOffset, peOffset + 24,
          file.length));
    }
    long signature = r.u32(peOffset, "PE signature");
    if (signature != 0x4550) {
      throw r.error(String.format("PE signature at offset 0x%X is 0x%08X, expected 0x00004550 (\"PE\\0\\0\")",
          peOffset, signature));
    }

    // §3.3: COFF file header
    long coff = peOffset + 4;
    int machine = r.u16(coff, "COFF header Machine");
    if (machine != PeImage.MACHINE_AMD64) {
      throw r.error(String.format("COFF header Machine at offset 0x%X is 0x%04X%s, expected 0x8664 (AMD64);"
          + " efiemu runs x86-64 only", coff, machine, machineName(machine)));
    }
    int sectionCount = r.u16(coff + 2, "COFF header NumberOfSections");
    if (sectionCount == 0 || sectionCount > MAX_SECTIONS) {
      throw r.error(String.format("COFF header NumberOfSections is %d, expected 1..%d", sectionCount, MAX_SECTIONS));
    }
    long symbolPointer = r.u32(coff + 8, "COFF header PointerToSymbolTable");
    long symbolCount = r.u32(coff + 12, "COFF header NumberOfSymbols");
    int optionalSize = r.u16(coff + 16, "COFF header SizeOfOptionalHeader");
    int characteristics = r.u16(coff + 18, "COFF header Characteristics");
    if ((characteristics & CHARACTERISTIC_EXECUTABLE) == 0) {
      throw r.error(String.format("COFF header Characteristics 0x%04X lacks IMAGE_FILE_EXECUTABLE_IMAGE (0x0002):"
          + " an object file or unlinked image, not an executable", characteristics));
    }

    // §3.4: optional header, PE32+ only
    long opt = coff + 20;
    int magic = r.u16(opt, "optional header Magic");
    if (magic == PE32_MAGIC) {
      throw r.error(String.format("optional header Magic at offset 0x%X is 0x10B (PE32): a 32-bit image, efiemu runs"
          + " x86-64 only (expected 0x20B, PE32+)", opt));
    }
    if (magic != PE32_PLUS_MAGIC) {
      throw r.error(String.format("optional header Magic at offset 0x%X is 0x%X%s, expected 0x20B (PE32+)", opt, magic,
          magic == ROM_MAGIC ? " (ROM image)" : ""));
    }
    if (optionalSize < OPTIONAL_HEADER_FIXED) {
      throw r.error(String.format("COFF header SizeOfOptionalHeader is 0x%X, expected at least 0x%X for PE32+",
          optionalSize, OPTIONAL_HEADER_FIXED));
    }
    r.require(opt, optionalSize, "optional header");
    long entryRva = r.u32(opt + 16, "optional header AddressOfEntryPoint");
    long imageBase = r.u64(opt + 24, "optional header ImageBase");
    long sectionAlignment = r.u32(opt + 32, "optional header SectionAlignment");
    long fileAlignment = r.u32(opt + 36, "optional header FileAlignment");
    long sizeOfImage = r.u32(opt + 56, "optional header SizeOfImage");
    long sizeOfHeaders = r.u32(opt + 60, "optional header SizeOfHeaders");
    int subsystemValue = r.u16(opt + 68, "optional header Subsystem");
    int dllCharacteristics = r.u16(opt + 70, "optional header DllCharacteristics");
    long directoryCount = r.u32(opt + 108, "optional header NumberOfRvaAndSizes");

    if (!isPowerOfTwo(fileAlignment) || !isPowerOfTwo(sectionAlignment) || sectionAlignment < fileAlignment) {
      throw r.error(String.format("optional header SectionAlignment 0x%X / FileAlignment 0x%X: expected powers of two"
          + " with SectionAlignment >= FileAlignment", sectionAlignment, fileAlignment));
    }
    Subsystem subsystem = Subsystem.of(subsystemValue).orElseThrow(() -> r.error(String.format(
        "optional header Subsystem is %s, expected a UEFI image: 10 (EFI application), 11 (EFI boot service driver)"
            + " or 12 (EFI runtime driver)", Subsystem.describe(subsystemValue))));
    if (sizeOfImage == 0 || sizeOfImage > MAX_SIZE_OF_IMAGE) {
      throw r.error(String.format("optional header SizeOfImage is 0x%X, expected 1..0x%X", sizeOfImage,
          MAX_SIZE_OF_IMAGE));
    }
    if (Long.compareUnsigned(imageBase + sizeOfImage - 1, imageBase) < 0) {
      throw r.error(String.format("optional header ImageBase 0x%X plus SizeOfImage 0x%X wraps around the 64-bit"
          + " address space", imageBase, sizeOfImage));
    }
    long sectionTable = opt + optionalSize;
    long sectionTableEnd = sectionTable + (long) sectionCount * SECTION_HEADER_SIZE;
    if (sizeOfHeaders < sectionTableEnd || sizeOfHeaders > file.length || sizeOfHeaders > sizeOfImage) {
      throw r.error(String.format("optional header SizeOfHeaders is 0x%X, expected at least the end of the section"
          + " table (0x%X) and at most the file size (0x%X) and SizeOfImage (0x%X)", sizeOfHeaders, sectionTableEnd,
          file.length, sizeOfImage));
    }
    if (directoryCount > 16 || OPTIONAL_HEADER_FIXED + directoryCount * 8 > optionalSize) {
      throw r.error(String.format("optional header NumberOfRvaAndSizes is %d; expected at most 16 directories that fit"
          + " in SizeOfOptionalHeader 0x%X", directoryCount, optionalSize));
    }
    PeImage.Headers headers = new PeImage.Headers(machine, characteristics, imageBase, sizeOfImage, sizeOfHeaders,
        entryRva, sectionAlignment, fileAlignment, subsystem, dllCharacteristics);

    // §4: section table
    List<PeSection> sections = new ArrayList<>(sectionCount);
    RangeMap<Long, PeSection> byRva = TreeRangeMap.create();
    for (int i = 0; i < sectionCount; i++) {
      PeSection s = section(r, sectionTable + (long) i * SECTION_HEADER_SIZE);
      checkSection(r, headers, s, byRva);
      sections.add(s);
    }
    ImmutableRangeMap<Long, PeSection> sectionsByRva = ImmutableRangeMap.copyOf(byRva);
    if (sectionsByRva.get(entryRva) == null) {
      throw r.error(String.format("optional header AddressOfEntryPoint 0x%X lies in no section (SizeOfImage 0x%X),"
          + " expected an RVA inside the image's code", entryRva, sizeOfImage));
    }

    // §3.4.3: data directories
    List<DataDirectory> directories = new ArrayList<>();
    for (int i = 0; i < directoryCount; i++) {
      long at = opt + OPTIONAL_HEADER_FIXED + 8L * i;
      DataDirectory d = new DataDirectory(i, r.u32(at, "data directory RVA"), r.u32(at + 4, "data directory Size"));
      checkDirectory(r, d, sizeOfImage);
      directories.add(d);
    }
    RvaResolver resolver = new RvaResolver(r, sizeOfHeaders, sectionsByRva);
    DataDirectory none = new DataDirectory(0, 0, 0);
    DataDirectory relocDir = directoryCount > DataDirectory.BASE_RELOCATION
        ? directories.get(DataDirectory.BASE_RELOCATION) : none;
    DataDirectory debugDir = directoryCount > DataDirectory.DEBUG ? directories.get(DataDirectory.DEBUG) : none;
    List<PeRelocation> relocations = RelocationParser.parse(r, resolver, relocDir, sizeOfImage);
    Optional<CodeViewInfo> codeView = DebugDirectoryParser.parse(r, resolver, debugDir);
    SymbolTable symbols = SymbolTableParser.parse(r, symbolPointer, symbolCount, sections);
    return new PeImage(name, file, headers, sections, sectionsByRva, directories, relocations, codeView, symbols);
  }

  private static PeSection section(FileReader r, long at) throws PeFormatException {
    r.require(at, SECTION_HEADER_SIZE, "section header");
    byte[] b = r.bytes();
    int nameLength = 0;
    while (nameLength < 8 && b[(int) at + nameLength] != 0) {
      nameLength++;
    }
    StringBuilder name = new StringBuilder();
    for (char c : new String(b, (int) at, nameLength, StandardCharsets.ISO_8859_1).toCharArray()) {
      name.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return new PeSection(name.toString(), r.u32(at + 12, "section VirtualAddress"), r.u32(at + 8, "section VirtualSize"),
        r.u32(at + 16, "section SizeOfRawData"), r.u32(at + 20, "section PointerToRawData"),
        r.u32(at + 36, "section Characteristics"));
  }

  private static void checkSection(FileReader r, PeImage.Headers h, PeSection s, RangeMap<Long, PeSection> byRva)
      throws PeFormatException {
    String what = "section " + s.name();
    if (s.sizeOfRawData() != 0 && s.pointerToRawData() + s.sizeOfRawData() > r.length()) {
      throw r.error(String.format("%s: raw data 0x%X..0x%X lies outside the file (size 0x%X)", what,
          s.pointerToRawData(), s.pointerToRawData() + s.sizeOfRawData(), r.length()));
    }
    if (s.loadedSize() == 0) {
      return;
    }
    if (s.endRva() > h.sizeOfImage()) {
      throw r.error(String.format("%s: RVA 0x%X..0x%X lies outside the image (SizeOfImage 0x%X)", what,
          s.virtualAddress(), s.endRva(), h.sizeOfImage()));
    }
    if (s.virtualAddress() < h.sizeOfHeaders()) {
      throw r.error(String.format("%s: RVA 0x%X..0x%X overlaps the headers (SizeOfHeaders 0x%X)", what,
          s.virtualAddress(), s.endRva(), h.sizeOfHeaders()));
    }
    Range<Long> range = Range.closedOpen(s.virtualAddress(), s.endRva());
    Map<Range<Long>, PeSection> clash = byRva.subRangeMap(range).asMapOfRanges();
    if (!clash.isEmpty()) {
      PeSection other = clash.values().iterator().next();
      throw r.error(String.format("%s: RVA 0x%X..0x%X overlaps section %s (RVA 0x%X..0x%X)", what,
          s.virtualAddress(), s.endRva(), other.name(), other.virtualAddress(), other.endRva()));
    }
    byRva.put(range, s);
  }

  private static void checkDirectory(FileReader r, DataDirectory d, long sizeOfImage) throws PeFormatException {
    if (!d.isPresent()) {
      return;
    }
    if (d.index() == DataDirectory.CERTIFICATE) {
      // §4.7: the certificate table's "RVA" is a file offset; it is not loaded
      if (d.rva() + d.size() > r.length()) {
        throw r.error(String.format("data directory %d (%s): file offset 0x%X..0x%X lies outside the file (size 0x%X)",
            d.index(), d.name(), d.rva(), d.rva() + d.size(), r.length()));
      }
    } else if (d.rva() + d.size() > sizeOfImage) {
      throw r.error(String.format("data directory %d (%s): RVA 0x%X..0x%X lies outside the image (SizeOfImage 0x%X)",
          d.index(), d.name(), d.rva(), d.rva() + d.size(), sizeOfImage));
    }
  }

  private static boolean isPowerOfTwo(long v) {
    return v > 0 && (v & (v - 1)) == 0;
  }

  private static String machineName(int machine) {
    return switch (machine) {
      case 0x014C -> " (i386)";
      case 0x0200 -> " (Itanium)";
      case 0x01C2 -> " (ARM Thumb)";
      case 0x01C4 -> " (ARMv7)";
      case 0xAA64 -> " (ARM64)";
      case 0x5064 -> " (RISC-V 64)";
      case 0x6264 -> " (LoongArch 64)";
      case 0x0EBC -> " (EFI byte code)";
      default -> "";
    };
  }
}
