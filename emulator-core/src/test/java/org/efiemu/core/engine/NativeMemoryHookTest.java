package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Memory hooks entered through JNI ({@link NativeMemoryHook}, the shim's {@code mem_hook.c}) behave as the JNA
 * callbacks they replace: the same accesses with the same type, address, size and value, the same registers readable
 * inside, a throwing hook stops the run with its exception, removed hooks keep their callback until a run ends; and
 * {@link Engine#effectiveAddress} computes what reading the registers one by one gives.
 */
class NativeMemoryHookTest {
  /**
   * mov rdi,0x3000; mov rcx,3; mov rsp,0x3800; mov byte [rdi+rcx],0x11; mov [rdi+rcx*8+8],rdi; mov ax,[rdi];
   * push rcx; mov dword [rdi+0xffe],0x12345678 (across a page); add qword [rdi+rcx*8+8],5; mov rsi,0x3000;
   * mov rdi,0x3200; mov rcx,5; rep movsb; hlt.
   */
  private static final byte[] STORES = {0x48, (byte) 0xc7, (byte) 0xc7, 0x00, 0x30, 0x00, 0x00, 0x48, (byte) 0xc7,
      (byte) 0xc1, 0x03, 0x00, 0x00, 0x00, 0x48, (byte) 0xc7, (byte) 0xc4, 0x00, 0x38, 0x00, 0x00, (byte) 0xc6, 0x04,
      0x0f, 0x11, 0x48, (byte) 0x89, 0x7c, (byte) 0xcf, 0x08, 0x66, (byte) 0x8b, 0x07, 0x51, (byte) 0xc7,
      (byte) 0x87, (byte) 0xfe, 0x0f, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 0x48, (byte) 0x83, 0x44, (byte) 0xcf, 0x08,
      0x05, 0x48, (byte) 0xc7, (byte) 0xc6, 0x00, 0x30, 0x00, 0x00, 0x48, (byte) 0xc7, (byte) 0xc7, 0x00, 0x32, 0x00,
      0x00, 0x48, (byte) 0xc7, (byte) 0xc1, 0x05, 0x00, 0x00, 0x00, (byte) 0xf3, (byte) 0xa4, (byte) 0xf4};
  private static final long CODE = 0x1000;
  private static final long END = CODE + STORES.length;

  /** Each access the hooks saw: type, address, size, value, and RCX and RDI read inside the hook. */
  private static List<String> run(boolean jni) {
    boolean was = NativeMemoryHook.enabled;
    NativeMemoryHook.enabled = jni;
    try (Engine e = Engine.open()) {
      e.map(CODE, 0x1000, Perm.ALL);
      e.map(0x3000, 0x2000, Perm.ALL);
      e.write(CODE, STORES);
      List<String> seen = new ArrayList<>();
      Hooks.MemoryHook hook = (type, address, size, value) -> seen.add(String.format("%s 0x%X %d 0x%X rcx=%d rdi=0x%X",
          type, address, size, value, e.reg(X86Reg.RCX), e.reg(X86Reg.RDI)));
      Hook w = e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x4FFF, hook);
      Hook r = e.addMemoryHook(UnicornLib.UC_HOOK_MEM_READ, 0x3000, 0x4FFF, hook);
      assertThat(w.callback() instanceof NativeMemoryHook).as("entered through JNI").isEqualTo(jni);
      assertThat(r.callback() instanceof NativeMemoryHook).isEqualTo(jni);
      assertThat(e.emuStart(CODE, END, 0, 0)).isEqualTo(UcError.OK);
      return seen;
    } finally {
      NativeMemoryHook.enabled = was;
    }
  }

  @Test
  void jniMemoryHooksSeeEveryAccessAsTheJnaCallbacksDo() {
    assertThat(NativeMemoryHook.available()).as(NativeGate.status().toString()).isTrue();
    List<String> jni = run(true);
    List<String> jna = run(false);
    assertThat(jni).isEqualTo(jna);
    assertThat(jni).startsWith("WRITE 0x3003 1 0x11 rcx=3 rdi=0x3000", "WRITE 0x3020 8 0x3000 rcx=3 rdi=0x3000",
        "READ 0x3000 2 0x0 rcx=3 rdi=0x3000", "WRITE 0x37F8 8 0x3 rcx=3 rdi=0x3000",
        "WRITE 0x3FFE 4 0x12345678 rcx=3 rdi=0x3000");
    assertThat(jni).contains("WRITE 0x3020 8 0x3005 rcx=3 rdi=0x3000");
    assertThat(jni.stream().filter(s -> s.startsWith("WRITE 0x320"))).as("rep movsb: one store per byte").hasSize(5);
  }

  /**
   * The invalid accesses an invalid-memory hook saw while it mapped the data pages on first touch (true: retry), and
   * how the run ended once it refused one (false) at the page it leaves unmapped.
   */
  private static List<String> runMappingOnTouch(boolean jni) {
    boolean was = NativeMemoryHook.enabled;
    NativeMemoryHook.enabled = jni;
    try (Engine e = Engine.open()) {
      e.map(CODE, 0x1000, Perm.ALL);
      e.write(CODE, STORES);
      List<String> seen = new ArrayList<>();
      Hook h = e.addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_UNMAPPED, (type, address, size, value) -> {
        seen.add(String.format("%s 0x%X %d 0x%X", type, address, size, value));
        long page = address & -0x1000L;
        if (page == 0x3000 || page == 0x4000) {
          e.map(page, 0x1000, Perm.ALL);
          return true;
        }
        return false;
      });
      assertThat(h.callback() instanceof NativeMemoryHook.Invalid).as("entered through JNI").isEqualTo(jni);
      seen.add("first run: " + e.emuStart(CODE, END, 0, 0));
      e.reg(X86Reg.RDI, 0x5000);
      e.reg(X86Reg.RCX, 0);
      seen.add("at 0x5000: " + e.emuStart(CODE + 0x15, END, 0, 0)); // mov byte [rdi+rcx], 0x11 into no RAM
      return seen;
    } finally {
      NativeMemoryHook.enabled = was;
    }
  }

  @Test
  void jniInvalidMemoryHooksAnswerAsTheJnaCallbacksDo() {
    assertThat(NativeMemoryHook.available()).as(NativeGate.status().toString()).isTrue();
    List<String> jni = runMappingOnTouch(true);
    assertThat(jni).isEqualTo(runMappingOnTouch(false));
    // the store across the page end reaches the missing page byte by byte (Unicorn's unaligned path)
    assertThat(jni).containsExactly("WRITE_UNMAPPED 0x3003 1 0x11", "WRITE_UNMAPPED 0x4000 1 0x34",
        "first run: OK", "WRITE_UNMAPPED 0x5000 1 0x11", "at 0x5000: WRITE_UNMAPPED");
  }

  @Test
  void aThrowingJniMemoryHookStopsTheRunAndItsExceptionReachesTheCaller() {
    assertThat(NativeMemoryHook.available()).as(NativeGate.status().toString()).isTrue();
    try (Engine e = Engine.open()) {
      e.map(CODE, 0x1000, Perm.ALL);
      e.map(0x3000, 0x2000, Perm.ALL);
      e.write(CODE, STORES);
      List<Long> seen = new ArrayList<>();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x4FFF, (type, address, size, value) -> {
        seen.add(address);
        throw new IllegalStateException("hook refuses 0x" + Long.toHexString(address));
      });
      assertThatThrownBy(() -> e.emuStart(CODE, END, 0, 0)).isInstanceOf(IllegalStateException.class)
          .hasMessage("hook refuses 0x3003");
      assertThat(seen).containsExactly(0x3003L);
    }
  }

  @Test
  void aRemovedJniMemoryHookKeepsItsCallbackUntilARunEndsThenTheNextHookReusesIt() {
    assertThat(NativeMemoryHook.available()).as(NativeGate.status().toString()).isTrue();
    try (Engine e = Engine.open()) {
      e.map(CODE, 0x1000, Perm.ALL);
      e.map(0x3000, 0x2000, Perm.ALL);
      e.write(CODE, STORES);
      List<Long> a = new ArrayList<>();
      Hook first = e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3FFF, (t, address, s, v) -> a.add(address));
      Object callback = first.callback();
      first.close();
      List<Long> b = new ArrayList<>();
      e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3000, 0x3000, (t, address, s, v) -> b.add(address));
      assertThat(e.callbacks.retiredCount()).as("the removed hook's callback is not taken again").isEqualTo(1);
      e.emuStart(CODE, END, 0, 0);
      assertThat(a).isEmpty();
      assertThat(b).isEmpty(); // nothing stores at 0x3000 itself
      assertThat(e.callbacks.freeCount()).as("the run ended").isEqualTo(1);
      List<Long> c = new ArrayList<>();
      Hook again = e.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x3003, 0x3003, (t, address, s, v) -> c.add(address));
      assertThat(again.callback()).as("the free callback and its native block serve the new hook").isSameAs(callback);
      e.emuStart(CODE, END, 0, 0);
      assertThat(a).isEmpty();
      assertThat(c).containsExactly(0x3003L);
    }
  }

  @Test
  void effectiveAddressIsBasePlusScaledIndexPlusDisplacementOfTheRegistersNow() {
    boolean was = NativeMemoryHook.enabled;
    try (Engine e = Engine.open()) {
      e.reg(X86Reg.RDI, 0x7000_0000_1000L);
      e.reg(X86Reg.R11, -3);
      e.reg(X86Reg.RBX, 0xFFFF_FFFF_FFFF_FFF0L);
      for (boolean jni : new boolean[] {true, false}) {
        NativeMemoryHook.enabled = jni;
        assertThat(e.effectiveAddress(X86Reg.RDI, X86Reg.R11, 8, 0x20)).isEqualTo(0x7000_0000_1000L - 24 + 0x20);
        assertThat(e.effectiveAddress(null, X86Reg.RDI, 4, -8)).isEqualTo(0x7000_0000_1000L * 4 - 8);
        assertThat(e.effectiveAddress(X86Reg.RBX, null, 0, 0x20)).as("wraps as 64-bit").isEqualTo(0x10L);
        assertThat(e.effectiveAddress(null, null, 0, 0x1234)).isEqualTo(0x1234L);
      }
    } finally {
      NativeMemoryHook.enabled = was;
    }
  }
}
