package org.efiemu.core.pe;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the base relocation table (PE/COFF spec §6.6 "The .reloc Section (Image Only)"): blocks of a 4-byte page
 * RVA, a 4-byte SizeOfBlock (header included) and 2-byte entries of a 4-bit type and a 12-bit page offset. Checks
 * what EDK2's {@code PeCoffLoaderRelocateImage} checks (block sizes inside the table, targets inside the image,
 * supported types) before anything is loaded.
 */
final class RelocationParser {
  private RelocationParser() {
  }

  static List<PeRelocation> parse(FileReader reader, RvaResolver resolver, DataDirectory dir, long sizeOfImage)
      throws PeFormatException {
    List<PeRelocation> out = new ArrayList<>();
    if (!dir.isPresent()) {
      return out;
    }
    long table = resolver.fileOffset(dir.rva(), dir.size(), "base relocation table");
    long pos = 0;
    int block = 0;
    while (pos < dir.size()) {
      long blockOffset = table + pos;
      if (dir.size() - pos < 8) {
        throw reader.error(String.format("base relocation block %d at file offset 0x%X: only 0x%X bytes left in the"
            + " table (size 0x%X), expected an 8-byte block header", block, blockOffset, dir.size() - pos, dir.size()));
      }
      long pageRva = reader.u32(blockOffset, "base relocation block page RVA");
      long blockSize = reader.u32(blockOffset + 4, "base relocation SizeOfBlock");
      if (blockSize < 8 || (blockSize & 1) != 0 || blockSize > dir.size() - pos) {
        throw reader.error(String.format("base relocation block %d (page RVA 0x%X) at file offset 0x%X: SizeOfBlock"
            + " 0x%X is invalid, expected an even size of at least 8 that ends within the table (0x%X bytes left)",
            block, pageRva, blockOffset, blockSize, dir.size() - pos));
      }
      int entries = (int) ((blockSize - 8) / 2);
      for (int i = 0; i < entries; i++) {
        long entryOffset = blockOffset + 8 + 2L * i;
        int entry = reader.u16(entryOffset, "base relocation entry");
        int typeValue = entry >>> 12;
        RelocationType type = RelocationType.of(typeValue).orElse(null);
        if (type == null) {
          throw reader.error(String.format("base relocation block %d (page RVA 0x%X) entry %d at file offset 0x%X:"
              + " type %s is not supported, expected ABSOLUTE (0), HIGHLOW (3) or DIR64 (10)", block, pageRva, i,
              entryOffset, RelocationType.describe(typeValue)));
        }
        long rva = pageRva + (entry & 0xFFF);
        if (type != RelocationType.ABSOLUTE && rva + type.width() > sizeOfImage) {
          throw reader.error(String.format("base relocation block %d (page RVA 0x%X) entry %d at file offset 0x%X:"
              + " %s target RVA 0x%X..0x%X lies outside the image (SizeOfImage 0x%X)", block, pageRva, i, entryOffset,
              type, rva, rva + type.width(), sizeOfImage));
        }
        out.add(new PeRelocation(type, rva));
      }
      pos += blockSize;
      block++;
    }
    return out;
  }
}
