package org.efiemu.core.dwarf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeSection;

/**
 * The DWARF sections GNU ld keeps in a PE32+ image built with {@code gcc -g}. Their names are longer than the 8 bytes
 * of a section header, so ld writes {@code /4}: a decimal offset into the COFF string table that follows the symbol
 * table (PE/COFF spec §4 "Section Table", Name; §5.6 "COFF String Table"), which is resolved here.
 */
public final class PeDebugSections {
  private PeDebugSections() {
  }

  /**
   * The image's line table: empty when it has no {@code .debug_line}; a table carrying the problem (never an
   * exception) when the section or its line programs are malformed.
   */
  public static LineTable lineTable(PeImage pe) {
    // no section that could be .debug_line (by its name or a string-table name): no copy of the file at all
    if (pe.sections().stream().noneMatch(s -> s.name().startsWith("/") || s.name().equals(".debug_line"))) {
      return LineTable.empty();
    }
    byte[] file = pe.toFileBytes();
    try {
      Optional<byte[]> line = section(pe, file, ".debug_line");
      if (line.isEmpty()) {
        return LineTable.empty();
      }
      return DebugLineParser.parse(line.get(), section(pe, file, ".debug_line_str").orElse(null),
          section(pe, file, ".debug_str").orElse(null), pe.imageBase(), pe.sizeOfImage());
    } catch (DwarfFormatException e) {
      return LineTable.unreadable(pe.name() + ": " + e.getMessage());
    }
  }

  /** The initialised bytes of the section called {@code wanted}, by its short or its string-table name. */
  static Optional<byte[]> section(PeImage pe, byte[] file, String wanted) throws DwarfFormatException {
    for (PeSection s : pe.sections()) {
      if (!name(file, s.name()).equals(wanted)) {
        continue;
      }
      long from = s.pointerToRawData();
      long size = s.copiedSize();
      if (from < 0 || size < 0 || from + size > file.length) {
        throw new DwarfFormatException(String.format("section %s (%s): PointerToRawData 0x%X + 0x%X bytes runs past"
            + " the end of the file (0x%X bytes)", wanted, s.name(), from, size, file.length));
      }
      return Optional.of(Arrays.copyOfRange(file, (int) from, (int) (from + size)));
    }
    return Optional.empty();
  }

  /** A section header name, with {@code /N} looked up in the COFF string table (left as it is when it cannot be). */
  static String name(byte[] file, String headerName) {
    if (!headerName.startsWith("/") || headerName.length() < 2) {
      return headerName;
    }
    long offset;
    try {
      offset = Long.parseLong(headerName.substring(1));
    } catch (NumberFormatException e) {
      return headerName;
    }
    long lfanew = u32(file, 0x3C);
    long symbols = u32(file, lfanew + 4 + 8);
    long count = u32(file, lfanew + 4 + 12);
    if (lfanew < 0 || symbols <= 0) {
      return headerName;
    }
    long strings = symbols + count * 18;
    long size = u32(file, strings);
    if (size < 4 || offset < 4 || offset >= size || strings + size > file.length) {
      return headerName;
    }
    int start = (int) (strings + offset);
    int end = start;
    while (end < strings + size && file[end] != 0) {
      end++;
    }
    return new String(file, start, end - start, StandardCharsets.UTF_8);
  }

  private static long u32(byte[] b, long at) {
    if (at < 0 || at + 4 > b.length) {
      return -1;
    }
    int i = (int) at;
    return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
  }
}
