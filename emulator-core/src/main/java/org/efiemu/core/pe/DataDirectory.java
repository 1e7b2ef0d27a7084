package org.efiemu.core.pe;

/**
 * One optional-header data directory (PE/COFF spec §3.4.3 "Optional Header Data Directories").
 *
 * @param index position in the directory array (0 = export table ... 15 = reserved)
 * @param rva the table's RVA (a file offset for the certificate table, index 4)
 * @param size the table's size in bytes
 */
public record DataDirectory(int index, long rva, long size) {
  public static final int EXPORT = 0;
  public static final int IMPORT = 1;
  public static final int RESOURCE = 2;
  public static final int EXCEPTION = 3;
  public static final int CERTIFICATE = 4;
  public static final int BASE_RELOCATION = 5;
  public static final int DEBUG = 6;

  private static final String[] NAMES = {"Export Table", "Import Table", "Resource Table", "Exception Table",
      "Certificate Table", "Base Relocation Table", "Debug", "Architecture", "Global Ptr", "TLS Table",
      "Load Config Table", "Bound Import", "IAT", "Delay Import Descriptor", "CLR Runtime Header", "Reserved"};

  /** The spec's name of directory {@code index}. */
  public static String nameOf(int index) {
    return index >= 0 && index < NAMES.length ? NAMES[index] : "directory " + index;
  }

  public String name() {
    return nameOf(index);
  }

  public boolean isPresent() {
    return size != 0;
  }

  @Override
  public String toString() {
    return String.format("%s RVA 0x%X size 0x%X", name(), rva, size);
  }
}
