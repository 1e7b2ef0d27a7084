package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Stores to write-protected pages taken in the protection fault ({@link Engine#addProtectedStoreHook}, the shim's
 * {@code mem_store_hook}) against the write-hook way the memory-ownership sanitizer watched pages before: a page is
 * protected until its first store faults; then (write-hook way) it is unprotected and a bounded
 * {@code UC_HOOK_MEM_WRITE} sees its stores, or (fault way) it stays protected and the protected store hook sees them.
 * Both ways must record the same stores (address, size, value), the same first faults, and leave the same bytes, over
 * byte, word, dword, qword, unaligned, page-crossing (watched to protected, watched to plain, plain to protected,
 * plain to watched, protected to watched, protected to protected), 16-byte SSE, push, xchg, lock add, rep movsb, rep
 * stosq and rep stosb stores, and a page whose fault lifts the protection without watching (the sanitizer's watch
 * limit).
 */
class ProtectedStoreHookTest {
  /**
   * Assembled from (GNU as, Intel syntax), rdi = 0x3000: mov byte [rdi+5],0x11; mov [rdi+8],rdi; mov dword
   * [rdi+0x13],0x12345678; mov rax,0x8877665544332211; mov [rdi+0xffc],rax; mov [rdi+0x1ffd],rax; mov
   * [rdi+0x2ffa],rax; mov dword [rdi+0x2ffe],0xcafebabe; mov byte [rdi+0x5010],0x44; mov [rdi+0x4ff9],rax; mov
   * [rdi+0x6ffb],rax; movdqu xmm0,[vec]; movdqu [rdi+0x20],xmm0; movdqu [rdi+0xff8],xmm0; movdqu [rdi+0xffc],xmm0;
   * mov rsp,0x3800; push rax; push 0x77; xchg [rdi+0x40],rax; lock add qword [rdi+0x48],3; lea rsi,[vec]; lea
   * rdi,[rdi+0x60]; mov rcx,5; rep movsb; mov rdi,0x4100; mov rax,0x0102030405060708; mov rcx,3; rep stosq; mov
   * rdi,0x8ffe; mov rcx,4; rep stosb; mov rdi,0x3000; mov word [rdi+0x9000],0x5151; mov word [rdi+0x9002],0x5252;
   * hlt; vec: dq 0x1112131415161718, 0x2122232425262728.
   */
  private static final byte[] STORES = {
      0x48, (byte) 0xc7, (byte) 0xc7, 0x00, 0x30, 0x00, 0x00, (byte) 0xc6, 0x47, 0x05, 0x11, 0x48,
      (byte) 0x89, 0x7f, 0x08, (byte) 0xc7, 0x47, 0x13, 0x78, 0x56, 0x34, 0x12, 0x48, (byte) 0xb8,
      0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88, 0x48, (byte) 0x89, (byte) 0x87, (byte) 0xfc,
      0x0f, 0x00, 0x00, 0x48, (byte) 0x89, (byte) 0x87, (byte) 0xfd, 0x1f, 0x00, 0x00, 0x48, (byte) 0x89,
      (byte) 0x87, (byte) 0xfa, 0x2f, 0x00, 0x00, (byte) 0xc7, (byte) 0x87, (byte) 0xfe, 0x2f, 0x00, 0x00, (byte) 0xbe,
      (byte) 0xba, (byte) 0xfe, (byte) 0xca, (byte) 0xc6, (byte) 0x87, 0x10, 0x50, 0x00, 0x00, 0x44, 0x48, (byte) 0x89,
      (byte) 0x87, (byte) 0xf9, 0x4f, 0x00, 0x00, 0x48, (byte) 0x89, (byte) 0x87, (byte) 0xfb, 0x6f, 0x00, 0x00,
      (byte) 0xf3, 0x0f, 0x6f, 0x05, (byte) 0x82, 0x00, 0x00, 0x00, (byte) 0xf3, 0x0f, 0x7f, 0x47,
      0x20, (byte) 0xf3, 0x0f, 0x7f, (byte) 0x87, (byte) 0xf8, 0x0f, 0x00, 0x00, (byte) 0xf3, 0x0f, 0x7f,
      (byte) 0x87, (byte) 0xfc, 0x0f, 0x00, 0x00, 0x48, (byte) 0xc7, (byte) 0xc4, 0x00, 0x38, 0x00, 0x00,
      0x50, 0x6a, 0x77, 0x48, (byte) 0x87, 0x47, 0x40, (byte) 0xf0, 0x48, (byte) 0x83, 0x47, 0x48,
      0x03, 0x48, (byte) 0x8d, 0x35, 0x52, 0x00, 0x00, 0x00, 0x48, (byte) 0x8d, 0x7f, 0x60,
      0x48, (byte) 0xc7, (byte) 0xc1, 0x05, 0x00, 0x00, 0x00, (byte) 0xf3, (byte) 0xa4, 0x48, (byte) 0xc7, (byte) 0xc7,
      0x00, 0x41, 0x00, 0x00, 0x48, (byte) 0xb8, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
      0x02, 0x01, 0x48, (byte) 0xc7, (byte) 0xc1, 0x03, 0x00, 0x00, 0x00, (byte) 0xf3, 0x48, (byte) 0xab,
      0x48, (byte) 0xc7, (byte) 0xc7, (byte) 0xfe, (byte) 0x8f, 0x00, 0x00, 0x48, (byte) 0xc7, (byte) 0xc1, 0x04, 0x00,
      0x00, 0x00, (byte) 0xf3, (byte) 0xaa, 0x48, (byte) 0xc7, (byte) 0xc7, 0x00, 0x30, 0x00, 0x00, 0x66,
      (byte) 0xc7, (byte) 0x87, 0x00, (byte) 0x90, 0x00, 0x00, 0x51, 0x51, 0x66, (byte) 0xc7, (byte) 0x87, 0x02,
      (byte) 0x90, 0x00, 0x00, 0x52, 0x52, (byte) 0xf4, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13,
      0x12, 0x11, 0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,
  };
  private static final long CODE = 0x1000;
  private static final long END = CODE + 0xdd; // the hlt
  private static final long DATA = 0x3000;
  private static final long DATA_END = 0xD000;
  /** Plain pages (never protected); the rest of the data pages start protected. */
  private static final Set<Long> PLAIN = Set.of(0x5000L);
  /** The page whose fault lifts the protection without watching it. */
  private static final long LIFTED = 0x9000;

  private enum Way { WRITE_HOOK, FAULT }

  /** A small sanitizer over raw pages, watching one way or the other; what it recorded, then the data's bytes. */
  private static List<String> run(Way way) {
    try (Engine e = Engine.open()) {
      assertThat(e.protectedStoreHooks()).as("protected store hooks on the provisioned Unicorn").isTrue();
      e.mapHost(CODE, 0x1000, Perm.ALL);
      e.mapHost(DATA, DATA_END - DATA, Perm.ALL);
      e.write(CODE, STORES);
      List<String> seen = new ArrayList<>();
      Set<Long> protectedPages = new HashSet<>();
      Set<Long> watched = new HashSet<>();
      Map<Long, Hook> hooks = new HashMap<>();
      for (long p = DATA; p < DATA_END; p += 0x1000) {
        if (PLAIN.contains(p)) continue;
        protectedPages.add(p);
        e.writeProtect(p, 0x1000, true);
      }
      Hooks.MemoryHook watch = (type, address, size, value) -> seen.add(String.format("store 0x%X %d 0x%X", address,
          size, value));
      // the first fault of a store: each protected page it touches is recorded and watched (or lifted)
      Hooks.InvalidMemoryHook fault = (type, address, size, value) -> {
        boolean ours = false;
        for (long p = address & -0x1000L; p < address + Math.max(size, 1); p += 0x1000) {
          if (!protectedPages.remove(p)) continue;
          ours = true;
          seen.add(String.format("fault 0x%X %d at page 0x%X", address, size, p));
          if (p == LIFTED || way == Way.WRITE_HOOK) e.writeProtect(p, 0x1000, false);
          if (p == LIFTED) continue;
          watched.add(p);
          if (way == Way.WRITE_HOOK) hooks.put(p, e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, p, p + 0xFFF, watch));
        }
        return ours;
      };
      if (way == Way.WRITE_HOOK) {
        e.addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE_PROT, fault);
      } else {
        e.addProtectedStoreHook((address, size, value, nested) -> {
          if (watched.contains(address & -0x1000L)) {
            if (!nested) watch.onAccess(MemAccess.WRITE, address, size, value);
            return true;
          }
          return fault.onInvalid(MemAccess.WRITE_PROT, address, size, value);
        });
      }
      UcError r = e.emuStart(CODE, END, 0, 0);
      seen.add("result " + r + " at 0x" + Long.toHexString(e.reg(X86Reg.RIP)));
      if (way == Way.FAULT) {
        assertThat(e.memoryTranslationMode()).as("no write hook: loads and stores stay inline").isZero();
        assertThat(e.writeProtectedPages()).as("watched pages stay protected").isEqualTo(watched.size() + protectedPages.size());
      }
      byte[] data = e.read(DATA, (int) (DATA_END - DATA));
      for (int i = 0; i < data.length; i++) {
        if (data[i] != 0) seen.add(String.format("0x%X=%02X", DATA + i, data[i]));
      }
      return seen;
    }
  }

  @Test
  void storesTakenInTheFaultAreRecordedAndLandAsWithAWriteHookOverEveryKindOfStore() {
    List<String> hook = run(Way.WRITE_HOOK);
    List<String> fault = run(Way.FAULT);
    assertThat(fault).isEqualTo(hook);
    // the rules the comparison stands on, as the write-hook way records them
    assertThat(hook).containsSubsequence(
        "fault 0x3005 1 at page 0x3000", "store 0x3008 8 0x3000", "store 0x3013 4 0x12345678",
        // watched -> protected: the whole store on the first page, the second page's first byte faults
        "store 0x3FFC 8 0x8877665544332211", "fault 0x4000 1 at page 0x4000",
        // watched -> plain: the whole store
        "store 0x4FFD 8 0x8877665544332211",
        // plain -> protected: the second page's first byte faults; plain -> watched: nothing
        "fault 0x6000 1 at page 0x6000",
        // protected -> watched: the first page's part only; protected -> protected (lifted): both pages fault
        "fault 0x7FF9 8 at page 0x7000", "fault 0x9FFB 8 at page 0x9000", "fault 0x9FFB 8 at page 0xA000",
        // 16 bytes: two 8-byte stores; the crossing one whole
        "store 0x3020 8 0x1112131415161718", "store 0x3028 8 0x2122232425262728",
        "store 0x3FFC 8 0x1112131415161718", "store 0x4004 8 0x2122232425262728",
        "store 0x37F8 8 0x8877665544332211", "store 0x37F0 8 0x77", "store 0x3040 8 0x8877665544332211",
        "store 0x3060 1 0x18", "store 0x4100 8 0x102030405060708", "store 0x8FFE 1 0x8", "store 0x8FFF 1 0x8",
        "fault 0xC000 2 at page 0xC000", "store 0xC002 2 0x5252", "result OK at 0x10dd");
    assertThat(hook).as("plain -> watched records nothing").noneMatch(s -> s.startsWith("store 0x5FFE"));
    assertThat(hook).contains("0x9000=08", "0x9001=08", "0x5FFE=BE", "0x6001=CA");
  }

  @Test
  void aStoreTheHookRefusesStopsTheRunWithWriteProtAndLeavesThePageAlone() {
    try (Engine e = Engine.open()) {
      e.mapHost(CODE, 0x1000, Perm.ALL);
      e.mapHost(DATA, DATA_END - DATA, Perm.ALL);
      e.write(CODE, STORES);
      e.writeProtect(DATA, 0x1000, true);
      List<String> seen = new ArrayList<>();
      e.addProtectedStoreHook((address, size, value, nested) -> {
        seen.add(String.format("0x%X %d %s", address, size, nested));
        return false;
      });
      assertThat(e.emuStart(CODE, END, 0, 0)).isEqualTo(UcError.WRITE_PROT);
      assertThat(seen).containsExactly("0x3005 1 false");
      assertThat(e.read(DATA, 0x1000)).containsOnly((byte) 0);
    }
  }

  @Test
  void aThrowingProtectedStoreHookStopsTheRunAndItsExceptionReachesTheCaller() {
    try (Engine e = Engine.open()) {
      e.mapHost(CODE, 0x1000, Perm.ALL);
      e.mapHost(DATA, DATA_END - DATA, Perm.ALL);
      e.write(CODE, STORES);
      e.writeProtect(DATA, 0x1000, true);
      e.addProtectedStoreHook((address, size, value, nested) -> {
        throw new IllegalStateException("refuses 0x" + Long.toHexString(address));
      });
      assertThatThrownBy(() -> e.emuStart(CODE, END, 0, 0)).isInstanceOf(IllegalStateException.class)
          .hasMessage("refuses 0x3005");
    }
  }

  @Test
  void anUnalignedStoreOnAProtectedPageComesOnceWholeThenByteByByteAndLandsOnce() {
    try (Engine e = Engine.open()) {
      e.mapHost(CODE, 0x1000, Perm.ALL);
      e.mapHost(DATA, DATA_END - DATA, Perm.ALL);
      e.write(CODE, STORES);
      e.writeProtect(DATA, 0x1000, true);
      List<String> seen = new ArrayList<>();
      e.addProtectedStoreHook((address, size, value, nested) -> {
        seen.add(String.format("0x%X %d 0x%X %s", address, size, value, nested));
        return true;
      });
      // up to the fourth instruction: the byte, the qword and the unaligned dword
      assertThat(e.emuStart(CODE, CODE + 0x16, 0, 0)).isEqualTo(UcError.OK);
      assertThat(seen).containsExactly("0x3005 1 0x11 false", "0x3008 8 0x3000 false", "0x3013 4 0x12345678 false",
          "0x3013 1 0x78 true", "0x3014 1 0x56 true", "0x3015 1 0x34 true", "0x3016 1 0x12 true");
      assertThat(e.read(0x3013, 4)).containsExactly(0x78, 0x56, 0x34, 0x12);
      assertThat(e.isWriteProtected(DATA)).isTrue();
    }
  }
}
