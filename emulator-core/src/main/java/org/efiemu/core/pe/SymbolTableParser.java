package org.efiemu.core.pe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the COFF symbol table GNU ld keeps in PE32+ images unless stripped (PE/COFF spec §5.4 "COFF Symbol Table",
 * §5.6 "COFF String Table"): PointerToSymbolTable and NumberOfSymbols in the COFF header, 18-byte records, the
 * string table right after them (a 4-byte size that counts itself, then NUL-terminated names). Only symbols of
 * executable sections are kept; names starting with {@code .} (section symbols) or {@code __} (linker-defined
 * markers such as {@code ___crt_xi_start__}) are skipped.
 */
final class SymbolTableParser {
  static final int SYMBOL_SIZE = 18;
  static final int CLASS_EXTERNAL = 2;
  static final int CLASS_STATIC = 3;
  /** Upper bound on records read (a corrupt count must not make the parser loop for long). */
  static final long MAX_SYMBOLS = 1 << 22;

  private SymbolTableParser() {
  }

  /**
   * The image's code symbols; {@link SymbolTable#empty()} when it has none, or a table carrying the problem when
   * the symbol table lies outside the file or a name points past the string table.
   */
  static SymbolTable parse(FileReader r, long pointer, long count, List<PeSection> sections) {
    if (pointer == 0 || count == 0) {
      return SymbolTable.empty();
    }
    try {
      return read(r, pointer, count, sections);
    } catch (PeFormatException e) {
      return SymbolTable.unreadable(e.getMessage());
    }
  }

  private static SymbolTable read(FileReader r, long pointer, long count, List<PeSection> sections)
      throws PeFormatException {
    if (count > MAX_SYMBOLS) {
      throw r.error(String.format("COFF header NumberOfSymbols is %d, expected at most %d", count, MAX_SYMBOLS));
    }
    r.require(pointer, count * SYMBOL_SIZE, "COFF symbol table (NumberOfSymbols " + count + ")");
    long strings = pointer + count * SYMBOL_SIZE;
    long stringsSize = r.length() >= strings + 4 ? r.u32(strings, "COFF string table size") : 0;
    if (stringsSize != 0) {
      r.require(strings, stringsSize, "COFF string table");
    }
    List<CoffSymbol> symbols = new ArrayList<>();
    List<Long> ends = new ArrayList<>();
    byte[] b = r.bytes();
    for (long i = 0; i < count; i++) {
      long at = pointer + i * SYMBOL_SIZE;
      long value = r.u32(at + 8, "COFF symbol Value");
      int section = (short) r.u16(at + 12, "COFF symbol SectionNumber");
      int storageClass = r.u8(at + 16, "COFF symbol StorageClass");
      int aux = r.u8(at + 17, "COFF symbol NumberOfAuxSymbols");
      long skip = aux;
      if ((storageClass == CLASS_EXTERNAL || storageClass == CLASS_STATIC) && section >= 1
          && section <= sections.size()) {
        PeSection s = sections.get(section - 1);
        if (s.isExecutable() && value < s.loadedSize()) {
          String name = name(r, b, at, strings, stringsSize, i);
          if (!name.isEmpty() && !name.startsWith(".") && !name.startsWith("__")) {
            symbols.add(new CoffSymbol(name, s.virtualAddress() + value, storageClass == CLASS_EXTERNAL));
            ends.add(s.endRva());
          }
        }
      }
      i += skip;
    }
    return SymbolTable.of(symbols, ends);
  }

  private static String name(FileReader r, byte[] b, long at, long strings, long stringsSize, long index)
      throws PeFormatException {
    if (r.u32(at, "COFF symbol Name") == 0) {
      long offset = r.u32(at + 4, "COFF symbol name offset");
      if (offset < 4 || offset >= stringsSize) {
        throw r.error(String.format("COFF symbol %d: name offset %d lies outside the string table (%d bytes)", index,
            offset, stringsSize));
      }
      int start = (int) (strings + offset);
      int end = start;
      int limit = (int) (strings + stringsSize);
      while (end < limit && b[end] != 0) {
        end++;
      }
      return printable(new String(b, start, end - start, StandardCharsets.UTF_8));
    }
    int end = 0;
    while (end < 8 && b[(int) at + end] != 0) {
      end++;
    }
    return printable(new String(b, (int) at, end, StandardCharsets.UTF_8));
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      sb.append(c >= 0x20 && c != 0x7F ? c : '?');
    }
    return sb.toString();
  }
}
