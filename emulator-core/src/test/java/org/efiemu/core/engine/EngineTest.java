package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {
  private static final byte[] INC_RAX_X3_HLT = {0x48, (byte) 0xFF, (byte) 0xC0, 0x48, (byte) 0xFF, (byte) 0xC0,
      0x48, (byte) 0xFF, (byte) 0xC0, (byte) 0xF4};

  @Test
  void mapWithUnalignedAddressThrowsWithCodeTextAndArguments() {
    try (Engine e = Engine.open()) {
      assertThatThrownBy(() -> e.map(0x1001, 0x1000, Perm.ALL))
          .isInstanceOfSatisfying(EngineException.class, ex -> {
            assertThat(ex.error()).isEqualTo(UcError.ARG);
            assertThat(ex.operation()).isEqualTo("mem_map address=0x1001, size=0x1000, perms=RWX");
            assertThat(ex.getMessage()).contains("UC_ERR_ARG").contains("Invalid argument");
          });
    }
  }

  @Test
  void readOfUnmappedMemoryThrowsReadUnmapped() {
    try (Engine e = Engine.open()) {
      assertThatThrownBy(() -> e.read(0x5000, 4))
          .isInstanceOfSatisfying(EngineException.class, ex -> assertThat(ex.error()).isEqualTo(UcError.READ_UNMAPPED))
          .hasMessageContaining("mem_read address=0x5000, size=0x4");
    }
  }

  @Test
  void codeRunsAndRegistersRoundTrip() {
    try (Engine e = Engine.open()) {
      e.map(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, INC_RAX_X3_HLT);
      e.reg(X86Reg.RAX, 40);
      assertThat(e.emuStart(0x1000, 0x1009, 0, 0)).isEqualTo(UcError.OK);
      assertThat(e.reg(X86Reg.RAX)).isEqualTo(43);
      assertThat(e.reg(X86Reg.RIP)).isEqualTo(0x1009);
    }
  }

  @Test
  void codeHookSeesEachInstructionInItsRangeAndStopsAfterClose() {
    try (Engine e = Engine.open()) {
      e.map(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, INC_RAX_X3_HLT);
      List<Long> seen = new ArrayList<>();
      Hook h = e.addCodeHook(0x1003, 0x1006, (address, size) -> seen.add(address));
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(seen).containsExactly(0x1003L, 0x1006L);
      h.close();
      assertThat(h.isActive()).isFalse();
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(seen).hasSize(2);
      h.close();
    }
  }

  @Test
  void exceptionThrownInCallbackStopsEmulationAndIsRethrownFromRun() {
    try (Engine e = Engine.open()) {
      e.map(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, INC_RAX_X3_HLT);
      e.addCodeHook(0x1003, 0x1003, (address, size) -> {
        throw new IllegalStateException("boom at 0x" + Long.toHexString(address));
      });
      e.reg(X86Reg.RAX, 0);
      assertThatThrownBy(() -> e.emuStart(0x1000, 0x1009, 0, 0)).isInstanceOf(IllegalStateException.class)
          .hasMessage("boom at 0x1003");
      assertThat(e.reg(X86Reg.RAX)).isLessThan(3);
    }
  }

  @Test
  void msrAndDescriptorTableRegistersRoundTrip() {
    try (Engine e = Engine.open()) {
      e.writeMsr(0xC0000102, 0x1234_5678L);
      assertThat(e.readMsr(0xC0000102)).isEqualTo(0x1234_5678L);
      e.mmr(X86Mmr.IDTR, X86Mmr.Value.table(0x9000, 0xFFF));
      assertThat(e.mmr(X86Mmr.IDTR).base()).isEqualTo(0x9000);
      assertThat(e.mmr(X86Mmr.IDTR).limit()).isEqualTo(0xFFF);
    }
  }

  @Test
  void contextRestoreBringsBackRegisters() {
    try (Engine e = Engine.open()) {
      e.reg(X86Reg.RBX, 7);
      byte[] ctx = e.saveContext();
      e.reg(X86Reg.RBX, 9);
      e.restoreContext(ctx);
      assertThat(e.reg(X86Reg.RBX)).isEqualTo(7);
    }
  }

  @Test
  void versionIsAtLeastTwoZero() {
    assertThat(Engine.version().atLeast(2, 0)).isTrue();
  }

  @Test
  void missingLibraryErrorNamesAttemptAndInstallCommand() {
    assertThatThrownBy(() -> UnicornLoader.load("/nonexistent/libunicorn.so.2", null))
        .isInstanceOf(UnsatisfiedLinkError.class)
        .hasMessageContaining("sudo apt-get install -y libunicorn2")
        .hasMessageContaining("/nonexistent/libunicorn.so.2")
        .hasMessageContaining("-Defiemu.unicorn.library");
  }
}
