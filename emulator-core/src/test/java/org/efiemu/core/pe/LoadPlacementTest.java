package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** EDK2 {@code CoreLoadPeImage} placement: preferred ImageBase first (at or above 1 MiB), else any pages. */
class LoadPlacementTest {
  private final SampleImage sample = SampleImage.load();

  /** Records the calls; the preferred address is free only when {@code preferredFree}. */
  private static final class FakeAllocator implements LoadPlacement.PageAllocator {
    final List<String> calls = new ArrayList<>();
    final boolean preferredFree;
    final OptionalLong any;

    FakeAllocator(boolean preferredFree, OptionalLong any) {
      this.preferredFree = preferredFree;
      this.any = any;
    }

    @Override
    public boolean allocateAt(long address, long pages) {
      calls.add(String.format("AllocateAddress 0x%X 0x%X", address, pages));
      return preferredFree;
    }

    @Override
    public OptionalLong allocateAny(long pages) {
      calls.add(String.format("AllocateAnyPages 0x%X", pages));
      return any;
    }
  }

  @Test
  void freePreferredImageBaseIsUsedWithoutRelocation() throws PeFormatException {
    FakeAllocator alloc = new FakeAllocator(true, OptionalLong.of(0x7000_0000L));
    LoadPlacement.Placement p = LoadPlacement.place(sample.parse(), alloc).orElseThrow();
    assertThat(p).isEqualTo(new LoadPlacement.Placement(0x1000_0000L, 8, 0x1000_0000L, true));
    assertThat(alloc.calls).containsExactly("AllocateAddress 0x10000000 0x8");
  }

  @Test
  void takenPreferredImageBaseFallsBackToAnyPagesForARelocatableImage() throws PeFormatException {
    FakeAllocator alloc = new FakeAllocator(false, OptionalLong.of(0x7000_0000L));
    LoadPlacement.Placement p = LoadPlacement.place(sample.parse(), alloc).orElseThrow();
    assertThat(p).isEqualTo(new LoadPlacement.Placement(0x7000_0000L, 8, 0x7000_0000L, false));
    assertThat(alloc.calls).containsExactly("AllocateAddress 0x10000000 0x8", "AllocateAnyPages 0x8");
  }

  @Test
  void strippedImageWhosePreferredBaseIsTakenIsNotPlaced() throws PeFormatException {
    PeImage fixed = PeParser.parse(sample.with(sample.coff + 18, 2, sample.u16(sample.coff + 18) | 0x1), "fixed.efi");
    FakeAllocator alloc = new FakeAllocator(false, OptionalLong.of(0x7000_0000L));
    assertThat(LoadPlacement.place(fixed, alloc)).isEmpty();
    assertThat(alloc.calls).containsExactly("AllocateAddress 0x10000000 0x8");
  }

  @Test
  void preferredBaseBelowOneMebibyteIsNotTried() throws PeFormatException {
    PeImage low = PeParser.parse(sample.with(sample.opt + 24, 4, 0x8_0000L), "low.efi");
    FakeAllocator alloc = new FakeAllocator(true, OptionalLong.of(0x7000_0000L));
    assertThat(LoadPlacement.place(low, alloc).orElseThrow().loadBase()).isEqualTo(0x7000_0000L);
    assertThat(alloc.calls).containsExactly("AllocateAnyPages 0x8");
  }

  @Test
  void outOfResourcesGivesNoPlacement() throws PeFormatException {
    assertThat(LoadPlacement.place(sample.parse(), new FakeAllocator(false, OptionalLong.empty()))).isEmpty();
  }

  @Test
  void largeSectionAlignmentAddsRoomAndAlignsTheLoadBase() throws PeFormatException {
    // 2 MiB SectionAlignment, like xen.efi: SizeOfImage 0x8000 + 0x200000 -> 0x208 pages, base rounded up
    byte[] file = sample.with(sample.opt + 32, 4, 0x20_0000L);
    SampleImage.put(file, sample.opt + 56, 4, 0x20_0000L);
    PeImage aligned = PeParser.parse(file, "aligned.efi");
    FakeAllocator alloc = new FakeAllocator(false, OptionalLong.of(0x7012_3000L));
    LoadPlacement.Placement p = LoadPlacement.place(aligned, alloc).orElseThrow();
    assertThat(p).isEqualTo(new LoadPlacement.Placement(0x7012_3000L, 0x400, 0x7020_0000L, false));
    assertThat(p.loadBase() + aligned.sizeOfImage()).isLessThanOrEqualTo(p.allocationBase() + p.pages() * 0x1000);
  }
}
