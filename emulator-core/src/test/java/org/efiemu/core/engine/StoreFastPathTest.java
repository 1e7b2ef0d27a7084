package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What Unicorn's store helper path did for plain RAM stores that the store fast path ({@link StoreFastPath}) must
 * keep doing: a {@code UC_HOOK_MEM_WRITE} hook added after code ran sees every store, and write protection set on a
 * page (or a region mapped without write permission) still refuses stores. The project's Unicorn is Debian's
 * libunicorn2 2.0.1.post1-1+b1, for which the fast path is active; these tests fail when it is not.
 */
class StoreFastPathTest {
  /** mov rcx, 100; again: mov [rcx + 0x3000], cl; dec rcx; jnz again; hlt (at 0x1000; hlt at 0x1012) */
  private static final byte[] STORE_LOOP = {0x48, (byte) 0xC7, (byte) 0xC1, 0x64, 0, 0, 0, (byte) 0x88, (byte) 0x89,
      0x00, 0x30, 0x00, 0x00, 0x48, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xF5, (byte) 0xF4};
  private static final long END = 0x1012;

  private static Engine engineWithLoop(EnumSet<Perm> dataPerms) {
    Engine e = Engine.open();
    e.mapHost(0x1000, 0x1000, Perm.ALL);
    e.mapHost(0x3000, 0x1000, dataPerms);
    e.write(0x1000, STORE_LOOP);
    return e;
  }

  @Test
  void theFastPathIsActiveForTheProvisionedUnicornAndNamesIt() {
    assertThat(StoreFastPath.status().active()).as("%s", StoreFastPath.status()).isTrue();
    assertThat(StoreFastPath.status().detail()).contains("2.0.1.post1-1+b1");
  }

  @Test
  void storesToAPageWithoutCodeUseTheFastPathAndLandInMemory() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.read(0x3001, 100)[99]).isEqualTo((byte) 100);
      assertThat(e.storeFastPathStats().enabled()).isTrue();
      assertThat(e.storeFastPathStats().fastFills()).isPositive();
    }
  }

  @Test
  void aWriteHookAddedAfterTheCodeRanSeesEveryStore() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      AtomicInteger stores = new AtomicInteger();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) ->
          stores.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(stores.get()).isEqualTo(100);
      assertThat(e.storeFastPathStats().enabled()).as("the engine went back to the stock path").isFalse();
    }
  }

  @Test
  void aWriteHookAddedBeforeTheFirstRunKeepsTheFastPathAndSeesEveryStore() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      AtomicInteger stores = new AtomicInteger();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) ->
          stores.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(stores.get()).as("every store of both runs, the second on the filled TLB entry").isEqualTo(200);
      assertThat(e.read(0x3001, 100)[99]).isEqualTo((byte) 100);
      assertThat(e.storeFastPathStats().enabled()).isTrue();
      assertThat(e.storeFastPathStats().fastFills()).isPositive();
    }
  }

  @Test
  void aSecondWriteHookAddedAfterRunsThatAllHadOneKeepsTheFastPathAndBothSeeEveryStore() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      AtomicInteger first = new AtomicInteger();
      AtomicInteger second = new AtomicInteger();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) ->
          first.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) ->
          second.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(first.get()).isEqualTo(200);
      assertThat(second.get()).isEqualTo(100);
      assertThat(e.storeFastPathStats().enabled()).isTrue();
    }
  }

  @Test
  void aWriteHookAddedAfterARunWithoutOneTurnsTheFastPathOffEvenWhenAnEarlierOneWasDeleted() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      Hook early = e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) -> {});
      early.close(); // still in Unicorn's lists for the next run, gone after it
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.storeFastPathStats().enabled()).isTrue();
      e.removeTranslations(0x1000, 0x2000); // the loop is translated again, now without a write hook: inline stores
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      AtomicInteger stores = new AtomicInteger();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (access, address, size, value) ->
          stores.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(stores.get()).isEqualTo(100);
      assertThat(e.storeFastPathStats().enabled()).as("the engine went back to the stock path").isFalse();
    }
  }

  /** mov eax, 1; hlt (at 0x2000; hlt at 0x2005) */
  private static final byte[] MOV_EAX = {(byte) 0xB8, 1, 0, 0, 0, (byte) 0xF4};
  /** mov byte [0x2001], 7; hlt (at 0x1100; hlt at 0x1108) */
  private static final byte[] PATCH_MOV_EAX = {(byte) 0xC6, 0x04, 0x25, 0x01, 0x20, 0x00, 0x00, 0x07, (byte) 0xF4};

  @Test
  void aStoreOverTranslatedCodeWithAWriteHookAndTheFastPathRunsTheNewCode() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      e.mapHost(0x2000, 0x1000, Perm.ALL);
      e.write(0x2000, MOV_EAX);
      e.write(0x1100, PATCH_MOV_EAX);
      AtomicInteger stores = new AtomicInteger();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0, -1L, (access, address, size, value) -> stores.incrementAndGet());
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK); // fast TLB entries for the data page
      assertThat(e.emuStart(0x2000, 0x2005, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.reg(X86Reg.RAX)).isEqualTo(1);
      assertThat(e.emuStart(0x1100, 0x1108, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.emuStart(0x2000, 0x2005, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.reg(X86Reg.RAX)).as("the block at 0x2000 was translated again").isEqualTo(7);
      assertThat(stores.get()).isEqualTo(101);
      assertThat(e.storeFastPathStats().enabled()).isTrue();
      assertThat(e.storeFastPathStats().fastFills()).isPositive();
    }
  }

  @Test
  void writeProtectionSetAfterFastStoresRefusesTheNextStore() {
    try (Engine e = engineWithLoop(EnumSet.allOf(Perm.class))) {
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      e.protect(0x3000, 0x1000, EnumSet.of(Perm.READ));
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.WRITE_PROT);
    }
  }

  /** mov al, [0x3000]; mov [0x3000], al; hlt (at 0x2000; hlt at 0x200E) */
  private static final byte[] LOAD_THEN_STORE = {(byte) 0x8A, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00, (byte) 0x88, 0x04,
      0x25, 0x00, 0x30, 0x00, 0x00, (byte) 0xF4};

  @Test
  void aHostRegionMappedWithoutWritePermissionRefusesAStoreAfterALoadFilledItsTlbEntry() {
    try (Engine e = engineWithLoop(EnumSet.of(Perm.READ))) {
      e.mapHost(0x2000, 0x1000, Perm.ALL);
      e.write(0x2000, LOAD_THEN_STORE);
      // the load fills the page's TLB entry, write part included (Unicorn checks UC_PROT_WRITE on the slow path)
      assertThat(e.emuStart(0x2000, 0x200E, 0, 0)).isEqualTo(UcError.WRITE_PROT);
      assertThat(e.storeFastPathStats().keptPermission()).isPositive();
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.WRITE_PROT);
    }
  }

  @Test
  void anEngineOpenedWithoutTheFastPathRunsTheStockPath() {
    try (Engine e = Engine.open(false)) {
      e.mapHost(0x1000, 0x1000, Perm.ALL);
      e.mapHost(0x3000, 0x1000, Perm.ALL);
      e.write(0x1000, STORE_LOOP);
      assertThat(e.emuStart(0x1000, END, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.read(0x3001, 100)[99]).isEqualTo((byte) 100);
      assertThat(e.storeFastPathStats().enabled()).isFalse();
      assertThat(e.storeFastPathStats().fastFills()).isZero();
    }
  }
}
