package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

class NativeCodeHookTest {
  private static final byte[] INC_RAX_X3_HLT = {0x48, (byte) 0xFF, (byte) 0xC0, 0x48, (byte) 0xFF, (byte) 0xC0,
      0x48, (byte) 0xFF, (byte) 0xC0, (byte) 0xF4};
  /** {@code inc qword [rcx]; ret}: counts the instructions the hook sees in user_data. */
  private static final byte[] INC_USER_DATA_RET = {0x48, (byte) 0xFF, 0x01, (byte) 0xC3};

  @Test
  void nativeCallbackRunsBeforeEveryInstructionWithUserDataUntilClosed() {
    try (Engine e = Engine.open()) {
      e.map(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, INC_RAX_X3_HLT);
      Memory counter = new Memory(8);
      counter.setLong(0, 0);
      NativeCodeHook hook = NativeCodeHook.install(e, INC_USER_DATA_RET, counter, "test counter");
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(counter.getLong(0)).isEqualTo(3);
      hook.close();
      hook.close(); // idempotent
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(counter.getLong(0)).isEqualTo(3);
    }
  }

  @Test
  void emptyMachineCodeIsRejectedNamingThePurpose() {
    try (Engine e = Engine.open()) {
      assertThatThrownBy(() -> NativeCodeHook.install(e, new byte[0], new Memory(8), "test counter"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("test counter").hasMessageContaining("0 bytes").hasMessageContaining("expected 1 to 4096");
    }
  }
}
