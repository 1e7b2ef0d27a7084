package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Page write protection through the shim's page set ({@link Engine#writeProtect}) must look to guest code exactly like
 * {@code uc_mem_protect(READ|EXEC)} on the page's region: the same {@code UC_HOOK_MEM_WRITE_PROT} calls (access,
 * address, size, value), the same result when no hook handles it, the same bytes in memory afterwards (including
 * Unicorn's quirk that a store whose page already had a TLB entry is dropped when the hook lifts the protection), with
 * the store fast path on and off. The project's Unicorn is Debian's libunicorn2 2.0.1.post1-1+b1, for which the page
 * set is available; these tests fail when it is not.
 */
class PageWriteProtectionTest {
  /** mov byte [0x3000], 0x11; hlt */
  private static final byte[] STORE = {(byte) 0xC6, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00, 0x11, (byte) 0xF4};
  /** mov al, [0x3000]; mov byte [0x3000], 0x22; mov byte [0x3001], 0x33; hlt */
  private static final byte[] LOAD_THEN_STORES = {(byte) 0x8A, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00, (byte) 0xC6, 0x04,
      0x25, 0x00, 0x30, 0x00, 0x00, 0x22, (byte) 0xC6, 0x04, 0x25, 0x01, 0x30, 0x00, 0x00, 0x33, (byte) 0xF4};
  /** mov rax, 0x8877665544332211; mov [0x3FFC], rax (crosses into the protected page 0x4000); hlt */
  private static final byte[] CROSSING_STORE = {0x48, (byte) 0xB8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
      (byte) 0x88, 0x48, (byte) 0x89, 0x04, 0x25, (byte) 0xFC, 0x3F, 0x00, 0x00, (byte) 0xF4};
  /** mov rcx, 40; again: mov [rcx + 0x3FF0], cl; dec rcx; jnz again; hlt: stores around the 0x4000 boundary */
  private static final byte[] STORE_LOOP = {0x48, (byte) 0xC7, (byte) 0xC1, 0x28, 0, 0, 0, (byte) 0x88, (byte) 0x89,
      (byte) 0xF0, 0x3F, 0x00, 0x00, 0x48, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xF5, (byte) 0xF4};

  private enum Mechanism { REGIONS, PAGE_SET }

  /** What a run shows: result, the hook calls, the data pages' bytes, and a second run of the same code. */
  private static String run(byte[] code, long protectedPage, Mechanism m, boolean fastPath, boolean handle) {
    try (Engine e = Engine.open()) {
      if (!fastPath) e.useStockStorePath();
      e.mapHost(0x1000, 0x1000, Perm.ALL);
      e.mapHost(0x3000, 0x2000, Perm.ALL); // one region: region protection splits it, as the sanitizer's does
      e.write(0x1000, code);
      e.write(0x3000, new byte[] {0x5A, 0x5B});
      List<String> calls = new ArrayList<>();
      e.addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_PROT, (access, address, size, value) -> {
        calls.add(String.format("%s 0x%X %d 0x%X", access, address, size, value));
        if (!handle) return false;
        long page = address & -0x1000L;
        if (m == Mechanism.REGIONS) e.protect(page, 0x1000, Perm.ALL);
        else e.writeProtect(page, 0x1000, false);
        return true;
      });
      if (m == Mechanism.REGIONS) e.protect(protectedPage, 0x1000, EnumSet.of(Perm.READ, Perm.EXEC));
      else e.writeProtect(protectedPage, 0x1000, true);
      long end = 0x1000 + code.length - 1;
      UcError first = e.emuStart(0x1000, end, 0, 0);
      String afterFirst = hex(e.read(0x3000, 0x2000));
      UcError second = e.emuStart(0x1000, end, 0, 0);
      return first + " " + afterFirst + "| " + second + " " + calls + " " + hex(e.read(0x3000, 0x2000));
    }
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.length; i++) {
      if (b[i] != 0) sb.append(String.format("%X:%02X ", 0x3000 + i, b[i]));
    }
    return sb.toString();
  }

  private static void sameAsRegionProtection(byte[] code, long page) {
    for (boolean fast : new boolean[] {true, false}) {
      for (boolean handle : new boolean[] {true, false}) {
        String regions = run(code, page, Mechanism.REGIONS, fast, handle);
        String pages = run(code, page, Mechanism.PAGE_SET, fast, handle);
        assertThat(pages).as("fast path %s, hook handles %s", fast, handle).isEqualTo(regions);
      }
    }
  }

  @Test
  void thePageSetIsAvailableForTheProvisionedUnicorn() {
    assertThat(StoreFastPath.writeProtectStatus().active()).as("%s", StoreFastPath.writeProtectStatus()).isTrue();
    try (Engine e = Engine.open()) {
      assertThat(e.pageWriteProtection()).isTrue();
    }
  }

  @Test
  void aStoreToAProtectedPageRaisesTheSameHookAndLeavesTheSameBytesAsRegionProtection() {
    sameAsRegionProtection(STORE, 0x3000);
    assertThat(run(STORE, 0x3000, Mechanism.PAGE_SET, true, true)).contains("WRITE_PROT 0x3000 1 0x11");
  }

  @Test
  void aStoreAfterALoadOfTheProtectedPageBehavesAsWithRegionProtection() {
    // the load fills the page's TLB entry first: with either mechanism the store that raised the hook is dropped
    sameAsRegionProtection(LOAD_THEN_STORES, 0x3000);
    assertThat(run(LOAD_THEN_STORES, 0x3000, Mechanism.PAGE_SET, true, true))
        .as("the store that raised the hook is dropped, the next one lands").startsWith("OK 3000:5A 3001:33 |");
  }

  @Test
  void aStoreCrossingIntoAProtectedPageBehavesAsWithRegionProtection() {
    sameAsRegionProtection(CROSSING_STORE, 0x4000);
    sameAsRegionProtection(STORE_LOOP, 0x4000);
    sameAsRegionProtection(STORE_LOOP, 0x3000);
  }

  @Test
  void withoutAHandlingHookAStoreToAProtectedPageStopsWithWriteProtAndLeavesMemoryAlone() {
    String r = run(STORE, 0x3000, Mechanism.PAGE_SET, true, false);
    assertThat(r).startsWith("WRITE_PROT 3000:5A 3001:5B | WRITE_PROT").endsWith("3000:5A 3001:5B ");
  }

  @Test
  void codeOnAProtectedPageRunsAndReadsOfItWork() {
    try (Engine e = Engine.open()) {
      e.mapHost(0x1000, 0x1000, Perm.ALL);
      e.mapHost(0x3000, 0x1000, Perm.ALL);
      e.write(0x1000, LOAD_THEN_STORES);
      e.writeProtect(0x1000, 0x1000, true);
      assertThat(e.emuStart(0x1000, 0x1000 + LOAD_THEN_STORES.length - 1, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.read(0x3000, 2)).containsExactly(0x22, 0x33);
    }
  }

  @Test
  void unmappingARangeDropsItsWriteProtectionAsUnmappingARegionDoes() {
    try (Engine e = Engine.open()) {
      e.mapHost(0x3000, 0x2000, Perm.ALL);
      e.writeProtect(0x3000, 0x2000, true);
      assertThat(e.writeProtectedPages()).isEqualTo(2);
      e.unmap(0x4000, 0x1000);
      assertThat(e.isWriteProtected(0x3000)).isTrue();
      assertThat(e.isWriteProtected(0x4000)).isFalse();
      e.mapHost(0x4000, 0x1000, Perm.ALL);
      e.mapHost(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, CROSSING_STORE);
      assertThat(e.emuStart(0x1000, 0x1000 + CROSSING_STORE.length - 1, 0, 0)).isEqualTo(UcError.WRITE_PROT);
      assertThat(e.read(0x4000, 4)).containsExactly(0, 0, 0, 0);
    }
  }

  @Test
  void anEngineHandedToTheNextMachineHasNoWriteProtectedPages() {
    try (ReusableEngine r = new ReusableEngine()) {
      Engine first = r.lend();
      first.mapHost(0x3000, 0x1000, Perm.ALL);
      first.writeProtect(0x3000, 0x1000, true);
      r.giveBack(first, true);
      Engine next = r.lend();
      assertThat(next.writeProtectedPages()).isZero();
      next.mapHost(0x1000, 0x1000, Perm.ALL);
      next.mapHost(0x3000, 0x1000, Perm.ALL);
      next.write(0x1000, STORE);
      assertThat(next.emuStart(0x1000, 0x1000 + STORE.length - 1, 0, 0)).isEqualTo(UcError.OK);
      assertThat(next.read(0x3000, 1)).containsExactly(0x11);
      r.giveBack(next, true);
    }
  }

  @Test
  void misalignedRangesAreRefusedNamingThem() {
    try (Engine e = Engine.open()) {
      assertThatThrownBy(() -> e.writeProtect(0x3001, 0x1000, true)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0x3001");
    }
  }
}
