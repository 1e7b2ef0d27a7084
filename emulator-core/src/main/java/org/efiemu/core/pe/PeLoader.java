package org.efiemu.core.pe;

/**
 * Builds the in-memory image of a {@link PeImage} at a load address, as EDK2's {@code PeCoffLoaderLoadImage} and
 * {@code PeCoffLoaderRelocateImage} do (UEFI 2.10 §7.4.1 LoadImage): the headers ({@code SizeOfHeaders} bytes) at
 * RVA 0, each section's initialised bytes at its RVA, zeros everywhere else, then every base relocation applied for
 * {@code delta = loadBase - ImageBase} (PE/COFF spec §6.6.2). Pure: no emulator, no allocation policy.
 *
 * <p>Where to load is the caller's decision; the usual firmware policy (EDK2 {@code CoreLoadPeImage}) is: the
 * preferred {@link PeImage#imageBase()} when those pages are free and the image is
 * {@linkplain PeImage#isRelocatable() relocatable} or not, any {@link #pageCount} pages from the allocator otherwise
 * (relocatable images only).
 */
public final class PeLoader {
  /** UEFI page size (UEFI 2.10 §7.2 AllocatePages). */
  public static final long PAGE_SIZE = 0x1000;

  private PeLoader() {
  }

  /**
   * Where {@link #writeFile} and {@link #layout(PeImage, long, Sink)} put bytes (the image loader's is guest memory):
   * each call lends {@code bytes} for the call only; the sink copies {@code [from, from + length)} to {@code offset}
   * and neither keeps nor modifies the array (it may be the image's own, shared by every machine).
   */
  @FunctionalInterface
  public interface Sink {
    void write(long offset, byte[] bytes, int from, int length);
  }

  /** Writes the file the image was parsed from to offset 0 of {@code sink}, in one call, without copying it first. */
  public static void writeFile(PeImage image, Sink sink) {
    byte[] file = image.fileBytes();
    sink.write(0, file, 0, file.length);
  }

  /** 4 KiB pages needed to hold the loaded image: {@code ceil(SizeOfImage / 4096)}. */
  public static long pageCount(PeImage image) {
    return (image.sizeOfImage() + PAGE_SIZE - 1) / PAGE_SIZE;
  }

  /** The value added to every relocated field when the image is loaded at {@code loadBase}. */
  public static long relocationDelta(PeImage image, long loadBase) {
    return loadBase - image.imageBase();
  }

  /**
   * The loaded image for {@code loadBase}: {@code SizeOfImage} bytes, headers and sections copied, uninitialised
   * tails zeroed, relocations applied.
   *
   * @param loadBase the guest address of the image's first byte; a multiple of 4 KiB
   * @throws PeFormatException when the image's relocations are stripped and {@code loadBase} is not its ImageBase
   *     (EDK2 fails the same load with {@code RETURN_LOAD_ERROR})
   * @throws IllegalArgumentException when {@code loadBase} is not page aligned or the image would wrap around the
   *     64-bit address space
   */
  public static byte[] layout(PeImage image, long loadBase) throws PeFormatException {
    long delta = checkedDelta(image, loadBase);
    byte[] out = image.laidOutAtImageBase().clone();
    if (delta != 0) {
      relocate(image, out, delta);
    }
    return out;
  }

  /**
   * {@link #layout(PeImage, long)} written to offset 0 of {@code sink} (the loaded image's first byte), in one call:
   * at the ImageBase straight from the image's laid-out bytes, which are made once per image; elsewhere from a
   * relocated copy of them. The same bytes, without building and zeroing {@code SizeOfImage} bytes per load.
   *
   * @throws PeFormatException and {@link IllegalArgumentException} as {@link #layout(PeImage, long)}
   */
  public static void layout(PeImage image, long loadBase, Sink sink) throws PeFormatException {
    long delta = checkedDelta(image, loadBase);
    byte[] out = image.laidOutAtImageBase();
    if (delta != 0) {
      out = out.clone();
      relocate(image, out, delta);
    }
    sink.write(0, out, 0, out.length);
  }

  /** The relocation delta for {@code loadBase}, after the checks {@link #layout(PeImage, long)} documents. */
  private static long checkedDelta(PeImage image, long loadBase) throws PeFormatException {
    if ((loadBase & (PAGE_SIZE - 1)) != 0) {
      throw new IllegalArgumentException(String.format("%s: load base 0x%X is not a multiple of 4 KiB (0x1000)",
          image.name(), loadBase));
    }
    if (Long.compareUnsigned(loadBase + image.sizeOfImage() - 1, loadBase) < 0) {
      throw new IllegalArgumentException(String.format("%s: load base 0x%X plus SizeOfImage 0x%X wraps around the"
          + " 64-bit address space", image.name(), loadBase, image.sizeOfImage()));
    }
    long delta = relocationDelta(image, loadBase);
    if (delta != 0 && !image.isRelocatable()) {
      throw new PeFormatException(image.name(), String.format("relocations are stripped (COFF Characteristics 0x%04X"
          + " has IMAGE_FILE_RELOCS_STRIPPED); the image can only be loaded at its ImageBase 0x%X, not at 0x%X",
          image.characteristics(), image.imageBase(), loadBase));
    }
    return delta;
  }

  /** The image laid out at its ImageBase: headers and sections copied, zeros elsewhere; for {@link PeImage}. */
  static byte[] lay(PeImage image) {
    byte[] file = image.fileBytes();
    byte[] out = new byte[(int) image.sizeOfImage()];
    System.arraycopy(file, 0, out, 0, (int) image.sizeOfHeaders());
    for (PeSection s : image.sections()) {
      long copied = s.copiedSize();
      if (copied > 0 && s.loadedSize() > 0) {
        System.arraycopy(file, (int) s.pointerToRawData(), out, (int) s.virtualAddress(), (int) copied);
      }
    }
    return out;
  }

  /** Applies {@code delta} to every relocated field of an already laid-out image (PE/COFF spec §6.6.2). */
  static void relocate(PeImage image, byte[] out, long delta) {
    for (PeRelocation r : image.relocations()) {
      int at = (int) r.rva();
      switch (r.type()) {
        case ABSOLUTE -> { }
        case HIGHLOW -> putU32(out, at, (int) (FileReader.u32At(out, at) + delta));
        case DIR64 -> putU64(out, at, FileReader.u64At(out, at) + delta);
        default -> throw new AssertionError(r.type());
      }
    }
  }

  private static void putU32(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  private static void putU64(byte[] b, int at, long v) {
    putU32(b, at, (int) v);
    putU32(b, at + 4, (int) (v >>> 32));
  }
}
