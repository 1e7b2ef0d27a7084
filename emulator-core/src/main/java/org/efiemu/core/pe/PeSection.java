package org.efiemu.core.pe;

/**
 * One section table entry (PE/COFF spec §4 "Section Table (Section Headers)").
 *
 * @param name the 8-byte name without NUL padding (executable images carry no long names)
 * @param virtualAddress RVA of the first byte when loaded
 * @param virtualSize bytes in memory; 0 means "use sizeOfRawData" (as EDK2's {@code PeCoffLoaderLoadImage})
 * @param sizeOfRawData initialised bytes in the file (rounded to FileAlignment by linkers)
 * @param pointerToRawData file offset of the initialised bytes (0 when there are none)
 * @param characteristics {@code IMAGE_SCN_*} flags (§4.1)
 */
public record PeSection(String name, long virtualAddress, long virtualSize, long sizeOfRawData,
    long pointerToRawData, long characteristics) {

  public static final long SCN_CNT_CODE = 0x20;
  public static final long SCN_CNT_INITIALIZED_DATA = 0x40;
  public static final long SCN_CNT_UNINITIALIZED_DATA = 0x80;
  public static final long SCN_MEM_DISCARDABLE = 0x0200_0000L;
  public static final long SCN_MEM_EXECUTE = 0x2000_0000L;
  public static final long SCN_MEM_READ = 0x4000_0000L;
  public static final long SCN_MEM_WRITE = 0x8000_0000L;

  /** Bytes the section occupies in the loaded image: VirtualSize, or SizeOfRawData when VirtualSize is 0. */
  public long loadedSize() {
    return virtualSize != 0 ? virtualSize : sizeOfRawData;
  }

  /** First RVA past the section in the loaded image. */
  public long endRva() {
    return virtualAddress + loadedSize();
  }

  /** Bytes copied from the file: the smaller of SizeOfRawData and the loaded size; the rest is zeroed. */
  public long copiedSize() {
    return Math.min(sizeOfRawData, loadedSize());
  }

  public boolean contains(long rva) {
    return rva >= virtualAddress && rva < endRva();
  }

  public boolean isExecutable() {
    return (characteristics & SCN_MEM_EXECUTE) != 0;
  }

  public boolean isWritable() {
    return (characteristics & SCN_MEM_WRITE) != 0;
  }

  public boolean isReadable() {
    return (characteristics & SCN_MEM_READ) != 0;
  }

  /** "r-x"-style permissions from the characteristics. */
  public String permissions() {
    return (isReadable() ? "r" : "-") + (isWritable() ? "w" : "-") + (isExecutable() ? "x" : "-");
  }

  @Override
  public String toString() {
    return String.format("%s RVA 0x%X..0x%X %s (VirtualSize 0x%X, raw 0x%X bytes at file offset 0x%X,"
        + " characteristics 0x%08X)", name, virtualAddress, endRva(), permissions(), virtualSize, sizeOfRawData,
        pointerToRawData, characteristics);
  }
}
