package org.efiemu.core.pe;

import com.google.common.collect.ImmutableRangeMap;

/**
 * Finds the file bytes behind an RVA before the image is laid out: the headers map 1:1 to the start of the file,
 * a section's RVAs map to its raw data (PE/COFF spec §4: {@code PointerToRawData}, {@code SizeOfRawData}).
 */
final class RvaResolver {
  private final FileReader reader;
  private final long sizeOfHeaders;
  private final ImmutableRangeMap<Long, PeSection> sectionsByRva;

  RvaResolver(FileReader reader, long sizeOfHeaders, ImmutableRangeMap<Long, PeSection> sectionsByRva) {
    this.reader = reader;
    this.sizeOfHeaders = sizeOfHeaders;
    this.sectionsByRva = sectionsByRva;
  }

  /** The file offset of {@code [rva, rva + size)}, which must lie in the headers or in one section's raw data. */
  long fileOffset(long rva, long size, String what) throws PeFormatException {
    if (rva + size <= sizeOfHeaders) {
      return rva;
    }
    PeSection s = sectionsByRva.get(rva);
    if (s == null) {
      throw reader.error(String.format("%s at RVA 0x%X..0x%X lies in no section", what, rva, rva + size));
    }
    long inSection = rva - s.virtualAddress();
    if (inSection + size > s.copiedSize()) {
      throw reader.error(String.format("%s at RVA 0x%X..0x%X is not backed by file data (section %s holds 0x%X"
          + " initialised bytes from RVA 0x%X)", what, rva, rva + size, s.name(), s.copiedSize(), s.virtualAddress()));
    }
    return s.pointerToRawData() + inSection;
  }
}
