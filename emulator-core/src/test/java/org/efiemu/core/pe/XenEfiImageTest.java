package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The real Xen 4.17 EFI loader, /boot/xen-4.17-amd64.efi of Debian bookworm's xen-hypervisor-4.17-amd64
 * (4.17.7+13-g2445b30a44-0+deb12u1), fetched by scripts/fetch-xen-efi.sh during generate-test-resources.
 *
 * <p>Expected values are what binutils 2.40 reports for that file: {@code objdump -h} (sections, VMAs, file
 * offsets), {@code objdump -p} (ImageBase 0xffff82d040000000, SectionAlignment 0x200000, FileAlignment 0x20,
 * SizeOfImage 0x1000000, SizeOfHeaders 0x300, AddressOfEntryPoint 0x6303f0, Subsystem 10, Base Relocation
 * Directory 0x94b140 size 0x15b4: 37 blocks holding 2548 DIR64, 62 HIGHLOW and 20 ABSOLUTE entries = 2630, and a
 * CodeView RSDS record without PDB path), and the raw section headers for VirtualSize/SizeOfRawData (objdump -h
 * prints one size). Xen links its own .reloc with mkreloc, so unlike GNU ld output its sections are not
 * SectionAlignment-aligned (.buildid follows .rodata in the same page, .reloc follows .bss) and .bss/.pad have
 * no file data: the parser must take VirtualSize, not the alignment, as the section extent.
 */
class XenEfiImageTest {
  static final String PROPERTY = "efiemu.xen.efi";

  static Path xenImage() {
    String configured = System.getProperty(PROPERTY);
    Path path;
    if (configured != null && !configured.isBlank()) {
      path = Path.of(configured);
    } else {
      String cache = System.getenv("XDG_CACHE_HOME");
      Path cacheDir = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"),
          ".cache");
      path = cacheDir.resolve("efiemu/xen/xen-4.17-amd64.efi");
    }
    if (!Files.isRegularFile(path)) {
      String root = System.getProperty("efiemu.repo.root", ".");
      return fail("The real Xen EFI image is missing at %s. Fetch it (no hypervisor is installed) with:%n"
          + "  %s/scripts/fetch-xen-efi.sh%nor point -D%s=<path to xen-4.17-amd64.efi> at a copy.", path, root,
          PROPERTY);
    }
    return path;
  }

  /** The package version whose image the expected values below describe. */
  static final String EXPECTED_VERSION = "4.17.7+13-g2445b30a44-0+deb12u1";

  private final PeImage xen;

  XenEfiImageTest() throws IOException, PeFormatException {
    Path path = xenImage();
    Path version = path.resolveSibling("VERSION");
    if (Files.isRegularFile(version)) {
      String fetched = Files.readString(version).trim();
      assertThat(fetched).as("package version of %s (written by scripts/fetch-xen-efi.sh); the expected values"
          + " describe %s: fetch that one with XEN_EFI_VERSION=%s scripts/fetch-xen-efi.sh <empty dir>, pass"
          + " -D%s=<dir>/xen-4.17-amd64.efi, or re-derive them with objdump -h/-p", path, EXPECTED_VERSION,
          EXPECTED_VERSION, PROPERTY).isEqualTo(EXPECTED_VERSION);
    }
    xen = PeParser.parse(path);
  }

  @Test
  void headersMatchObjdump() {
    assertThat(xen.imageBase()).isEqualTo(0xFFFF_82D0_4000_0000L);
    assertThat(xen.sizeOfImage()).isEqualTo(0x100_0000L);
    assertThat(xen.sizeOfHeaders()).isEqualTo(0x300);
    assertThat(xen.entryPointRva()).isEqualTo(0x6303F0);
    assertThat(xen.sectionAlignment()).isEqualTo(0x20_0000);
    assertThat(xen.fileAlignment()).isEqualTo(0x20);
    assertThat(xen.subsystem()).isEqualTo(Subsystem.EFI_APPLICATION);
    assertThat(xen.machine()).isEqualTo(0x8664);
    assertThat(xen.isRelocatable()).isTrue();
    assertThat(xen.describeRva(xen.entryPointRva())).isEqualTo(".init+0x303F0");
  }

  @Test
  void sectionsMatchObjdump() {
    assertThat(xen.sections()).extracting(PeSection::name, PeSection::virtualAddress, PeSection::virtualSize,
        PeSection::sizeOfRawData, PeSection::pointerToRawData).containsExactly(
        tuple(".text", 0x200000L, 0x160783L, 0x1607A0L, 0x300L),
        tuple(".rodata", 0x400000L, 0x575E8L, 0x57600L, 0x160AA0L),
        tuple(".buildid", 0x4575E8L, 0x35L, 0x40L, 0x1B80A0L),
        tuple(".init", 0x600000L, 0xA2588L, 0xA25A0L, 0x1B80E0L),
        tuple(".data.re", 0x800000L, 0x9AB0L, 0x9AC0L, 0x25A680L),
        tuple(".data", 0x80A000L, 0xC920L, 0xC920L, 0x264140L),
        tuple(".bss", 0x817000L, 0x134140L, 0L, 0L),
        tuple(".reloc", 0x94B140L, 0x15B4L, 0x15C0L, 0x270A60L),
        tuple(".pad", 0xA00000L, 0x600000L, 0L, 0L));
    assertThat(xen.section(".text").orElseThrow().permissions()).isEqualTo("rwx");
    assertThat(xen.section(".reloc").orElseThrow().permissions()).isEqualTo("r--");
  }

  @Test
  void relocationCountsMatchObjdump() {
    assertThat(xen.dataDirectory(DataDirectory.BASE_RELOCATION)).isEqualTo(
        new DataDirectory(DataDirectory.BASE_RELOCATION, 0x94B140, 0x15B4));
    assertThat(xen.relocationCount()).isEqualTo(2630);
    assertThat(xen.relocationCount(RelocationType.DIR64)).isEqualTo(2548);
    assertThat(xen.relocationCount(RelocationType.HIGHLOW)).isEqualTo(62);
    assertThat(xen.relocationCount(RelocationType.ABSOLUTE)).isEqualTo(20);
    // objdump -p: first block "Virtual Address: 00200000 ... reloc 0 offset 48 [200048] HIGHLOW"
    assertThat(xen.relocations().get(0)).isEqualTo(new PeRelocation(RelocationType.HIGHLOW, 0x200048));
    assertThat(xen.relocations().get(2)).isEqualTo(new PeRelocation(RelocationType.DIR64, 0x400160));
  }

  @Test
  void codeViewRecordIsRsdsWithoutPdbPath() {
    assertThat(xen.codeView()).hasValueSatisfying(cv -> {
      assertThat(cv.format()).isEqualTo("RSDS");
      assertThat(cv.age()).isEqualTo(1);
      assertThat(cv.pdbPath()).isEmpty();
    });
  }

  @Test
  void layoutBelowFourGibRelocatesEveryDir64ByTheDeltaAndZeroesBss() throws PeFormatException {
    long base = 0x4000_0000L;
    byte[] atPreferred = PeLoader.layout(xen, xen.imageBase());
    byte[] loaded = PeLoader.layout(xen, base);
    long delta = base - xen.imageBase();
    for (PeRelocation r : xen.relocations()) {
      int at = (int) r.rva();
      if (r.type() == RelocationType.DIR64) {
        assertThat(FileReader.u64At(loaded, at)).isEqualTo(FileReader.u64At(atPreferred, at) + delta);
      } else if (r.type() == RelocationType.HIGHLOW) {
        assertThat(FileReader.u32At(loaded, at)).isEqualTo((FileReader.u32At(atPreferred, at) + delta) & 0xFFFF_FFFFL);
      }
    }
    PeSection bss = xen.section(".bss").orElseThrow();
    byte[] zeros = new byte[(int) bss.loadedSize()];
    assertThat(Arrays.equals(loaded, (int) bss.virtualAddress(), (int) bss.endRva(), zeros, 0, zeros.length))
        .as(".bss is zero").isTrue();
    assertThat(PeLoader.pageCount(xen)).isEqualTo(0x1000);
  }
}
