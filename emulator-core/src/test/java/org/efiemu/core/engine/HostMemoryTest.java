package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#mapHost}: guest RAM over host memory the engine owns ({@code uc_mem_map_ptr}, see
 * {@link HostMemory}).
 */
class HostMemoryTest {
  private static final long BASE = 0x10_0000;
  private static final long PAGE = 0x1000;
  /** {@code mov rax, [rbx]; mov [rcx], rax; hlt}. */
  private static final byte[] LOAD_STORE_HLT = HexFormat.of().parseHex("488b03488901f4");

  @Test
  void freshHostBackedRegionReadsAsZeroAndIsReportedAsHostBacked() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE, 4 * PAGE, Perm.ALL);
      assertThat(e.read(BASE, (int) (4 * PAGE))).containsOnly(0);
      assertThat(e.readU64(BASE + 4 * PAGE - 8)).isZero();
      assertThat(e.isHostBacked(BASE, 4 * PAGE)).isTrue();
      assertThat(e.isHostBacked(BASE, 4 * PAGE + 1)).isFalse();
      assertThat(e.hostBackedBytes()).isEqualTo(4 * PAGE);
    }
  }

  @Test
  void guestLoadsSeeHostWritesAndHostReadsSeeGuestStores() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE, 4 * PAGE, Perm.ALL);
      e.write(BASE, LOAD_STORE_HLT);
      e.write(BASE + PAGE, HexFormat.of().parseHex("8877665544332211"));
      e.reg(X86Reg.RBX, BASE + PAGE);
      e.reg(X86Reg.RCX, BASE + 3 * PAGE - 4);
      assertThat(e.emuStart(BASE, BASE + LOAD_STORE_HLT.length - 1, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.reg(X86Reg.RAX)).isEqualTo(0x1122_3344_5566_7788L);
      assertThat(e.readU64(BASE + 3 * PAGE - 4)).as("a store across a page edge, read from host memory")
          .isEqualTo(0x1122_3344_5566_7788L);
      assertThat(e.read(BASE + 3 * PAGE - 4, 8)).isEqualTo(HexFormat.of().parseHex("8877665544332211"));
    }
  }

  @Test
  void hostWriteBetweenRunsReplacesCodeThatWasAlreadyTranslated() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE, PAGE, Perm.ALL);
      byte[] movRax1 = HexFormat.of().parseHex("48c7c001000000f4"); // mov rax, 1; hlt
      byte[] movRax2 = HexFormat.of().parseHex("48c7c002000000f4"); // mov rax, 2; hlt
      e.write(BASE, movRax1);
      e.emuStart(BASE, BASE + 7, 0, 0);
      assertThat(e.reg(X86Reg.RAX)).isEqualTo(1);
      e.write(BASE, movRax2);
      e.emuStart(BASE, BASE + 7, 0, 0);
      assertThat(e.reg(X86Reg.RAX)).isEqualTo(2);
    }
  }

  @Test
  void hostWriteToTranslatedCodeDuringARunActsExactlyAsUcMemWriteDoes() {
    assertThat(selfPatchingRun(true)).isEqualTo(selfPatchingRun(false));
  }

  /**
   * Calls F, then G (whose code hook rewrites F's {@code mov rax, 1} into {@code mov rax, 100} with a host write),
   * then F again, each call adding RAX to RBX; then rewrites F into {@code mov rax, 10000} between runs and runs
   * again. Returns RBX after each run.
   */
  private static long[] selfPatchingRun(boolean hostBacked) {
    long f = BASE + 0x1000;
    long g = BASE + 0x2000;
    try (Engine e = Engine.open()) {
      if (hostBacked) e.mapHost(BASE, 4 * PAGE, Perm.ALL);
      else e.map(BASE, 4 * PAGE, Perm.ALL);
      byte[] main = new byte[16];
      call(main, 0, BASE, f);
      call(main, 5, BASE, g);
      call(main, 10, BASE, f);
      main[15] = (byte) 0xF4;
      e.write(BASE, main);
      e.write(f, HexFormat.of().parseHex("48c7c001000000" + "4801c3" + "c3")); // mov rax, 1; add rbx, rax; ret
      e.write(g, HexFormat.of().parseHex("90c3")); // nop; ret
      e.addCodeHook(g, g, (address, size) -> e.write(f, HexFormat.of().parseHex("48c7c064000000")));
      e.reg(X86Reg.RSP, BASE + 4 * PAGE - 0x100);
      assertThat(e.emuStart(BASE, BASE + 15, 0, 0)).isEqualTo(UcError.OK);
      long first = e.reg(X86Reg.RBX);
      e.write(f, HexFormat.of().parseHex("48c7c010270000"));
      e.reg(X86Reg.RSP, BASE + 4 * PAGE - 0x100);
      e.reg(X86Reg.RBX, 0);
      assertThat(e.emuStart(BASE, BASE + 15, 0, 0)).isEqualTo(UcError.OK);
      return new long[] {first, e.reg(X86Reg.RBX)};
    }
  }

  /** Writes {@code call target} at {@code code[at]}, the code being at {@code base}. */
  private static void call(byte[] code, int at, long base, long target) {
    int rel = (int) (target - (base + at + 5));
    code[at] = (byte) 0xE8;
    for (int i = 0; i < 4; i++) code[at + 1 + i] = (byte) (rel >>> (8 * i));
  }

  @Test
  void protectingPagesInsideARegionKeepsEveryByteAndTheHostMemory() {
    try (Engine e = Engine.open()) {
      byte[] data = random(16 * PAGE, 1);
      e.mapHost(BASE, 16 * PAGE, Perm.ALL);
      e.write(BASE, data);
      e.protect(BASE + 3 * PAGE, 2 * PAGE, EnumSet.of(Perm.READ, Perm.EXEC));
      e.protect(BASE + 9 * PAGE, PAGE, EnumSet.of(Perm.READ, Perm.EXEC));
      assertThat(e.read(BASE, data.length)).isEqualTo(data);
      assertThat(e.isHostBacked(BASE, 16 * PAGE)).isTrue();
      assertThat(e.hostBackedBytes()).isEqualTo(16 * PAGE);
      e.protect(BASE + 3 * PAGE, 2 * PAGE, Perm.ALL);
      assertThat(e.read(BASE, data.length)).isEqualTo(data);
    }
  }

  @Test
  void guestStoreToAProtectedPageFaultsWhileAHostWriteThereLands() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE, 4 * PAGE, Perm.ALL);
      e.write(BASE, LOAD_STORE_HLT);
      e.protect(BASE + 2 * PAGE, PAGE, EnumSet.of(Perm.READ, Perm.EXEC));
      e.reg(X86Reg.RBX, BASE + PAGE);
      e.reg(X86Reg.RCX, BASE + 2 * PAGE + 8);
      assertThat(e.emuStart(BASE, BASE + LOAD_STORE_HLT.length - 1, 0, 0)).isEqualTo(UcError.WRITE_PROT);
      assertThat(e.readU64(BASE + 2 * PAGE + 8)).isZero();
      e.write(BASE + 2 * PAGE + 8, new byte[] {42});
      assertThat(e.read(BASE + 2 * PAGE + 8, 1)).containsExactly(42);
    }
  }

  @Test
  void hostWriteAcrossTwoAdjacentRegionsLandsInBothAndIgnoresTheirProtection() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE, 2 * PAGE, Perm.ALL);
      e.mapHost(BASE + 2 * PAGE, 2 * PAGE, Perm.ALL);
      e.protect(BASE + PAGE, 2 * PAGE, EnumSet.of(Perm.READ, Perm.EXEC));
      byte[] data = random(2 * PAGE + 16, 5);
      e.write(BASE + PAGE - 8, data);
      assertThat(e.read(BASE + PAGE - 8, data.length)).isEqualTo(data);
      assertThat(e.readU64(BASE + PAGE - 16)).isZero();
      assertThat(e.readU64(BASE + 3 * PAGE + 8)).isZero();
      assertThat(e.read(BASE + 2 * PAGE - 4, 8)).as("a read across the two regions")
          .isEqualTo(java.util.Arrays.copyOfRange(data, (int) PAGE + 4, (int) PAGE + 12));
    }
  }

  @Test
  void unmappingPartOfARegionFreesOnlyThatPartAndKeepsTheNeighboursContents() {
    try (Engine e = Engine.open()) {
      byte[] data = random(3 * 0x10000, 2);
      e.mapHost(BASE, data.length, Perm.ALL);
      e.write(BASE, data);
      e.unmap(BASE + 0x10000, 0x10000);
      assertThat(e.hostBackedBytes()).isEqualTo(2 * 0x10000);
      assertThat(e.isHostBacked(BASE + 0x10000, 1)).isFalse();
      assertThatThrownBy(() -> e.read(BASE + 0x10000, 8))
          .isInstanceOfSatisfying(EngineException.class, ex -> assertThat(ex.error()).isEqualTo(UcError.READ_UNMAPPED));
      assertThat(e.read(BASE, 0x10000)).isEqualTo(java.util.Arrays.copyOfRange(data, 0, 0x10000));
      assertThat(e.read(BASE + 0x20000, 0x10000)).isEqualTo(java.util.Arrays.copyOfRange(data, 0x20000, 0x30000));
      e.mapHost(BASE + 0x10000, 0x10000, Perm.ALL);
      assertThat(e.read(BASE + 0x10000, 0x10000)).as("re-mapped memory is fresh").containsOnly(0);
      assertThat(e.read(BASE + 0x10000 - 4, 8)).as("a read across two host blocks")
          .isEqualTo(new byte[] {data[0xFFFC], data[0xFFFD], data[0xFFFE], data[0xFFFF], 0, 0, 0, 0});
    }
  }

  @Test
  void mapOverAnExistingRegionFailsWithMapErrorAndKeepsNoHostMemory() {
    try (Engine e = Engine.open()) {
      e.mapHost(BASE + PAGE, PAGE, Perm.ALL);
      e.write(BASE + PAGE, new byte[] {7});
      assertThatThrownBy(() -> e.mapHost(BASE, 4 * PAGE, Perm.ALL))
          .isInstanceOfSatisfying(EngineException.class, ex -> {
            assertThat(ex.error()).isEqualTo(UcError.MAP);
            assertThat(ex.operation()).isEqualTo("mem_map_ptr address=0x100000, size=0x4000, perms=RWX");
          });
      assertThat(e.hostBackedBytes()).isEqualTo(PAGE);
      assertThat(e.read(BASE + PAGE, 1)).containsExactly(7);
      assertThatThrownBy(() -> e.mapHost(BASE + 0x800, PAGE, Perm.ALL))
          .isInstanceOfSatisfying(EngineException.class, ex -> assertThat(ex.error()).isEqualTo(UcError.ARG));
      assertThat(e.hostBackedBytes()).isEqualTo(PAGE);
    }
  }

  @Test
  void closeFreesAllHostMemoryAndLaterAccessesThrowInsteadOfTouchingIt() {
    Engine e = Engine.open();
    e.mapHost(BASE, 0x10000, Perm.ALL);
    e.mapHost(BASE + 0x40000, 0x20000, Perm.ALL);
    e.write(BASE, new byte[] {1, 2, 3});
    assertThat(e.hostBackedBytes()).isEqualTo(0x30000);
    e.close();
    assertThat(e.hostBackedBytes()).isZero();
    assertThat(e.isHostBacked(BASE, 1)).isFalse();
    assertThatThrownBy(() -> e.read(BASE, 3)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> e.readU64(BASE)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> e.write(BASE, new byte[] {4})).isInstanceOf(IllegalStateException.class);
    e.close();
  }

  private static byte[] random(long length, long seed) {
    byte[] b = new byte[(int) length];
    new Random(seed).nextBytes(b);
    return b;
  }
}
