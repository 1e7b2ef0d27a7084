package org.efiemu.core.pe;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a firmware puts an image, as EDK2's {@code CoreLoadPeImage} (MdeModulePkg/Core/Dxe/Image/Image.c) decides it
 * for {@code LoadImage} (UEFI 2.10 §7.4.1):
 * <ol>
 *   <li>pages: {@code EFI_SIZE_TO_PAGES(SizeOfImage)}, plus SectionAlignment when it exceeds 4 KiB (room to align);
 *   <li>if ImageBase &ge; 1 MiB (memory below is left to a CSM) or the relocations are stripped, try
 *       {@code AllocatePages(AllocateAddress)} at ImageBase;
 *   <li>if that failed and the image is relocatable, {@code AllocatePages(AllocateAnyPages)};
 *   <li>the load base is the allocation rounded up to SectionAlignment.
 * </ol>
 * The allocator is the caller's (the firmware's memory services), so this class stays free of UEFI types.
 */
public final class LoadPlacement {
  /** EDK2 tries the preferred address only at or above 1 MiB. */
  public static final long LOW_MEMORY_LIMIT = 0x10_0000L;

  /** The two page allocations {@code CoreLoadPeImage} uses, answered by the firmware's memory services. */
  public interface PageAllocator {
    /** {@code AllocatePages(AllocateAddress, ..., pages, address)}: true when the pages were allocated there. */
    boolean allocateAt(long address, long pages);

    /** {@code AllocatePages(AllocateAnyPages, ..., pages)}: the address allocated, empty when out of resources. */
    OptionalLong allocateAny(long pages);
  }

  /**
   * The outcome of a successful placement.
   *
   * @param allocationBase first byte of the allocated pages
   * @param pages pages allocated
   * @param loadBase where the image's first byte goes (allocationBase rounded up to SectionAlignment)
   * @param atPreferredBase whether the image landed at its ImageBase (no relocation needed)
   */
  public record Placement(long allocationBase, long pages, long loadBase, boolean atPreferredBase) {
    @Override
    public String toString() {
      return String.format("0x%X pages at 0x%X, image at 0x%X%s", pages, allocationBase, loadBase,
          atPreferredBase ? " (preferred ImageBase)" : "");
    }
  }

  private LoadPlacement() {
  }

  /** Pages {@code CoreLoadPeImage} allocates for the image. */
  public static long allocationPages(PeImage image) {
    long size = image.sizeOfImage();
    if (image.sectionAlignment() > PeLoader.PAGE_SIZE) {
      size += image.sectionAlignment();
    }
    return (size + PeLoader.PAGE_SIZE - 1) / PeLoader.PAGE_SIZE;
  }

  /**
   * Allocates the image's pages the way EDK2 does; empty when no allocation succeeded (the firmware then returns
   * {@code EFI_OUT_OF_RESOURCES}).
   */
  public static Optional<Placement> place(PeImage image, PageAllocator allocator) {
    long pages = allocationPages(image);
    long preferred = image.imageBase();
    boolean tryPreferred = Long.compareUnsigned(preferred, LOW_MEMORY_LIMIT) >= 0 || !image.isRelocatable();
    if (tryPreferred && (preferred & (PeLoader.PAGE_SIZE - 1)) == 0 && allocator.allocateAt(preferred, pages)) {
      return Optional.of(new Placement(preferred, pages, align(preferred, image.sectionAlignment()), true));
    }
    if (!image.isRelocatable()) {
      return Optional.empty();
    }
    OptionalLong any = allocator.allocateAny(pages);
    if (any.isEmpty()) {
      return Optional.empty();
    }
    long loadBase = align(any.getAsLong(), image.sectionAlignment());
    return Optional.of(new Placement(any.getAsLong(), pages, loadBase, loadBase == preferred));
  }

  private static long align(long address, long alignment) {
    return alignment > PeLoader.PAGE_SIZE ? (address + alignment - 1) & -alignment : address;
  }
}
