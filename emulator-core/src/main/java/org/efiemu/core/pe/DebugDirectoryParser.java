package org.efiemu.core.pe;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the debug directory (PE/COFF spec §6.1 "The .debug Section": 28-byte {@code IMAGE_DEBUG_DIRECTORY}
 * entries) and the first CodeView record (type 2) in it, as EDK2's {@code PeCoffLoaderGetPdbPointer} does.
 */
final class DebugDirectoryParser {
  static final int ENTRY_SIZE = 28;
  static final int TYPE_CODEVIEW = 2;

  private DebugDirectoryParser() {
  }

  static Optional<CodeViewInfo> parse(FileReader reader, RvaResolver resolver, DataDirectory dir)
      throws PeFormatException {
    if (!dir.isPresent()) {
      return Optional.empty();
    }
    if (dir.size() % ENTRY_SIZE != 0) {
      throw reader.error(String.format("debug directory size 0x%X is not a multiple of %d (IMAGE_DEBUG_DIRECTORY)",
          dir.size(), ENTRY_SIZE));
    }
    long table = resolver.fileOffset(dir.rva(), dir.size(), "debug directory");
    for (long pos = 0; pos < dir.size(); pos += ENTRY_SIZE) {
      long entry = table + pos;
      long type = reader.u32(entry + 12, "debug directory Type");
      long size = reader.u32(entry + 16, "debug directory SizeOfData");
      long rva = reader.u32(entry + 20, "debug directory AddressOfRawData");
      long pointer = reader.u32(entry + 24, "debug directory PointerToRawData");
      if (type != TYPE_CODEVIEW || size == 0) {
        continue;
      }
      long offset = pointer != 0 ? pointer : resolver.fileOffset(rva, size, "CodeView record");
      reader.require(offset, size, String.format("CodeView record of debug directory entry %d", pos / ENTRY_SIZE));
      Optional<CodeViewInfo> info = codeView(reader, offset, (int) size);
      if (info.isPresent()) {
        return info;
      }
    }
    return Optional.empty();
  }

  private static Optional<CodeViewInfo> codeView(FileReader reader, long offset, int size) throws PeFormatException {
    if (size < 4) {
      return Optional.empty();
    }
    byte[] b = reader.bytes();
    String format = new String(b, (int) offset, 4, StandardCharsets.ISO_8859_1);
    if (format.equals("RSDS") && size >= 24) {
      StringBuilder guid = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        guid.append(String.format("%02x", b[(int) offset + 4 + i] & 0xFF));
      }
      long age = reader.u32(offset + 20, "CodeView RSDS age");
      return Optional.of(new CodeViewInfo(format, guid.toString(), age, path(b, offset + 24, size - 24)));
    }
    if (format.equals("NB10") && size >= 16) {
      long stamp = reader.u32(offset + 8, "CodeView NB10 time stamp");
      long age = reader.u32(offset + 12, "CodeView NB10 age");
      return Optional.of(new CodeViewInfo(format, String.format("%08x", stamp), age, path(b, offset + 16, size - 16)));
    }
    return Optional.empty();
  }

  /** The NUL-terminated UTF-8 path, cut at the record's end if it has no NUL. */
  private static String path(byte[] b, long from, int max) {
    int start = (int) from;
    int end = start;
    while (end < start + max && b[end] != 0) {
      end++;
    }
    return new String(b, start, end - start, StandardCharsets.UTF_8);
  }
}
