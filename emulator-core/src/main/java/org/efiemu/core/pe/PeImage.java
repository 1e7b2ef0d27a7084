package org.efiemu.core.pe;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeMap;
import com.google.common.collect.Range;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A validated PE32+ x86-64 UEFI image (PE/COFF spec §2-§6; UEFI 2.10 §2.1.1 "UEFI Images"), as
 * {@link PeParser#parse} returns it. Immutable and safe to share between machines on different threads; it keeps
 * a private copy of the file so {@link PeLoader#layout} can build the loaded image at any base.
 */
public final class PeImage {
  /** {@code IMAGE_FILE_MACHINE_AMD64} (PE/COFF spec §3.3.1). */
  public static final int MACHINE_AMD64 = 0x8664;
  /** {@code IMAGE_FILE_RELOCS_STRIPPED} (PE/COFF spec §3.3.2): the image can only run at its ImageBase. */
  public static final int CHARACTERISTIC_RELOCS_STRIPPED = 0x0001;

  /** The header fields {@link PeParser} validated (PE/COFF spec §3.3 and §3.4). */
  record Headers(int machine, int characteristics, long imageBase, long sizeOfImage, long sizeOfHeaders,
      long entryPointRva, long sectionAlignment, long fileAlignment, Subsystem subsystem, int dllCharacteristics) {
  }

  private final String name;
  private final byte[] file;
  private final Headers headers;
  private final ImmutableList<PeSection> sections;
  private final ImmutableRangeMap<Long, PeSection> sectionsByRva;
  private final ImmutableList<DataDirectory> dataDirectories;
  private final ImmutableList<PeRelocation> relocations;
  private final Optional<CodeViewInfo> codeView;
  private final SymbolTable symbols;
  /** Read on first use by {@link #lines()} (racy but idempotent: every thread computes the same table). */
  private volatile org.efiemu.core.dwarf.LineTable lines;
  /**
   * The image laid out at its ImageBase ({@link PeLoader#layout}: headers and sections copied, zeros elsewhere, no
   * relocation applied), made on first use and never modified (racy but idempotent, as {@link #lines}): a machine
   * loading the image copies it instead of building {@code SizeOfImage} bytes again.
   */
  private volatile byte[] laidOut;

  PeImage(String name, byte[] file, Headers headers, List<PeSection> sections,
      ImmutableRangeMap<Long, PeSection> sectionsByRva, List<DataDirectory> dataDirectories,
      List<PeRelocation> relocations, Optional<CodeViewInfo> codeView, SymbolTable symbols) {
    this.name = name;
    this.file = file.clone();
    this.headers = headers;
    this.sections = ImmutableList.copyOf(sections);
    this.sectionsByRva = sectionsByRva;
    this.dataDirectories = ImmutableList.copyOf(dataDirectories);
    this.relocations = ImmutableList.copyOf(relocations);
    this.codeView = codeView;
    this.symbols = symbols;
  }

  /** The code symbols of the COFF symbol table (PE/COFF spec §5.4); empty when the image was stripped. */
  public SymbolTable symbols() {
    return symbols;
  }

  /**
   * The DWARF line table of {@code .debug_line} ({@code gcc -g}), read on first use; empty when the image has none,
   * carrying the problem when it is malformed.
   */
  public org.efiemu.core.dwarf.LineTable lines() {
    org.efiemu.core.dwarf.LineTable t = lines;
    if (t == null) {
      t = org.efiemu.core.dwarf.PeDebugSections.lineTable(this);
      lines = t;
    }
    return t;
  }

  /** The name given to {@link PeParser#parse} (used in every message about this image). */
  public String name() {
    return name;
  }

  /** COFF {@code Machine}; always {@link #MACHINE_AMD64}. */
  public int machine() {
    return headers.machine();
  }

  /** COFF {@code Characteristics} ({@code IMAGE_FILE_*}, PE/COFF spec §3.3.2). */
  public int characteristics() {
    return headers.characteristics();
  }

  /** Optional header {@code ImageBase}: the preferred load address. */
  public long imageBase() {
    return headers.imageBase();
  }

  /** Optional header {@code SizeOfImage}: bytes the loaded image occupies. */
  public long sizeOfImage() {
    return headers.sizeOfImage();
  }

  /** Optional header {@code SizeOfHeaders}: bytes of headers copied to the start of the loaded image. */
  public long sizeOfHeaders() {
    return headers.sizeOfHeaders();
  }

  /** Optional header {@code AddressOfEntryPoint}, an RVA inside a section. */
  public long entryPointRva() {
    return headers.entryPointRva();
  }

  /** The entry point's address when the image is loaded at {@code loadBase}. */
  public long entryPoint(long loadBase) {
    return loadBase + headers.entryPointRva();
  }

  public long sectionAlignment() {
    return headers.sectionAlignment();
  }

  public long fileAlignment() {
    return headers.fileAlignment();
  }

  /** The UEFI image type (UEFI 2.10 §2.1.1). */
  public Subsystem subsystem() {
    return headers.subsystem();
  }

  /** Optional header {@code DllCharacteristics} ({@code IMAGE_DLLCHARACTERISTICS_*}, PE/COFF spec §3.4.1). */
  public int dllCharacteristics() {
    return headers.dllCharacteristics();
  }

  /** Size of the file the image was parsed from. */
  public int fileSize() {
    return file.length;
  }

  /** The section table in file order. */
  public List<PeSection> sections() {
    return sections;
  }

  /** The section named {@code sectionName}, if any (first match in file order). */
  public Optional<PeSection> section(String sectionName) {
    return sections.stream().filter(s -> s.name().equals(sectionName)).findFirst();
  }

  /** The section whose loaded range holds {@code rva}, if any. */
  public Optional<PeSection> sectionAt(long rva) {
    return Optional.ofNullable(sectionsByRva.get(rva));
  }

  /** All {@code NumberOfRvaAndSizes} data directories, absent ones with size 0. */
  public List<DataDirectory> dataDirectories() {
    return dataDirectories;
  }

  /** Data directory {@code index} ({@link DataDirectory#BASE_RELOCATION}...); size 0 when absent. */
  public DataDirectory dataDirectory(int index) {
    return index >= 0 && index < dataDirectories.size() ? dataDirectories.get(index) : new DataDirectory(index, 0, 0);
  }

  /** Every base relocation entry in file order, ABSOLUTE padding included (as {@code objdump -p} counts them). */
  public List<PeRelocation> relocations() {
    return relocations;
  }

  /** Number of base relocation entries, ABSOLUTE padding included. */
  public int relocationCount() {
    return relocations.size();
  }

  /** Number of base relocation entries of one type. */
  public int relocationCount(RelocationType type) {
    return (int) relocations.stream().filter(r -> r.type() == type).count();
  }

  /**
   * Whether the image may be loaded at an address other than its ImageBase: false only when the COFF header says
   * {@code IMAGE_FILE_RELOCS_STRIPPED} (EDK2 {@code PeCoffLoaderGetImageInfo} sets {@code RelocationsStripped} the
   * same way).
   */
  public boolean isRelocatable() {
    return (headers.characteristics() & CHARACTERISTIC_RELOCS_STRIPPED) == 0;
  }

  /** The CodeView record of the debug directory (PDB path for debuggers), if the image has one. */
  public Optional<CodeViewInfo> codeView() {
    return codeView;
  }

  /** The section containing an RVA, by name, or "headers" / "no section", for messages and debuggers. */
  public String describeRva(long rva) {
    if (rva >= 0 && rva < sizeOfHeaders()) {
      return "headers";
    }
    return sectionAt(rva).map(s -> String.format("%s+0x%X", s.name(), rva - s.virtualAddress()))
        .orElse("no section");
  }

  /** The file's bytes (shared, never modified); for {@link PeLoader}. */
  byte[] fileBytes() {
    return file;
  }

  /**
   * The file the image was parsed from as a read-only view (no copy): for holders that keep the bytes, such as a
   * volume holding the image as a file, which every machine booting the image can then share.
   */
  public java.nio.ByteBuffer fileView() {
    return java.nio.ByteBuffer.wrap(file).asReadOnlyBuffer();
  }

  /** {@link #laidOut}, made on first use (shared, never modified); for {@link PeLoader}. */
  byte[] laidOutAtImageBase() {
    byte[] l = laidOut;
    if (l == null) {
      l = PeLoader.lay(this);
      laidOut = l;
    }
    return l;
  }

  /** A copy of the file the image was parsed from. */
  public byte[] toFileBytes() {
    return Arrays.copyOf(file, file.length);
  }

  @Override
  public String toString() {
    StringBuilder names = new StringBuilder();
    for (PeSection s : sections) {
      names.append(names.length() == 0 ? "" : " ").append(s.name());
    }
    return String.format("%s: PE32+ x86-64 %s, ImageBase 0x%X, SizeOfImage 0x%X, entry RVA 0x%X (%s),"
        + " %d sections [%s], %d base relocations%s", name, subsystem(), imageBase(), sizeOfImage(), entryPointRva(),
        describeRva(entryPointRva()), sections.size(), names, relocations.size(),
        codeView.map(c -> ", " + c).orElse(""));
  }
}
