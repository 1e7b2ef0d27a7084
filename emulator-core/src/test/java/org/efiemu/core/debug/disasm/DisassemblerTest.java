package org.efiemu.core.debug.disasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The disassembler reads every field of each decoded instruction (one native read of Capstone's array), and
 * {@link Disassembler#forThread()} gives each thread one instance that closing does not close.
 */
class DisassemblerTest {
  /** rdtsc; mov rax, 0x1122334455667788; lock add dword ptr [rbx + 8], 1; ret. */
  private static final byte[] CODE = {0x0F, 0x31, 0x48, (byte) 0xB8, (byte) 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
      0x11, (byte) 0xF0, (byte) 0x83, 0x43, 0x08, 0x01, (byte) 0xC3};

  @Test
  void everyInstructionsAddressBytesMnemonicAndOperandsAreRead() {
    try (Disassembler d = new Disassembler()) {
      List<Instruction> ins = d.disassemble(CODE, 0x7FFF_0000_1000L, 10);
      assertThat(ins).extracting(Instruction::address)
          .containsExactly(0x7FFF_0000_1000L, 0x7FFF_0000_1002L, 0x7FFF_0000_100CL, 0x7FFF_0000_1011L);
      assertThat(ins).extracting(Instruction::size).containsExactly(2, 10, 5, 1);
      assertThat(ins.get(1).bytes()).containsExactly(0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
      assertThat(ins).extracting(Instruction::text).containsExactly("rdtsc", "movabs rax, 0x1122334455667788",
          "lock add dword ptr [rbx + 8], 1", "ret");
      assertThat(d.disassemble(CODE, 0, 2)).as("at most max").hasSize(2);
    }
  }

  @Test
  void forThreadGivesOneInstancePerThreadAndClosingItDoesNotCloseIt() throws InterruptedException {
    Disassembler mine = Disassembler.forThread();
    assertThat(Disassembler.forThread()).isSameAs(mine);
    mine.close();
    assertThat(mine.disassemble(CODE, 0, 1)).extracting(Instruction::text).containsExactly("rdtsc");
    AtomicReference<Disassembler> other = new AtomicReference<>();
    Thread t = new Thread(() -> other.set(Disassembler.forThread()));
    t.start();
    t.join();
    assertThat(other.get()).isNotNull().isNotSameAs(mine);
  }

  @Test
  void aThreadsOwnHandleIsFreedOnceTheThreadIsGone() throws InterruptedException {
    long before = Disassembler.perThreadHandlesFreed();
    int threads = 4;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        // decodes on its own handle, then ends
        assertThat(Disassembler.forThread().disassemble(CODE, 0, 1)).extracting(Instruction::text)
            .containsExactly("rdtsc");
      });
      t.start();
      t.join();
    }
    // the ended threads are unreachable now: their handles are freed by the cleaner once the collector finds them
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (Disassembler.perThreadHandlesFreed() - before < threads && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(Disassembler.perThreadHandlesFreed() - before).isGreaterThanOrEqualTo(threads);
    // this thread's instance lives on and still decodes
    assertThat(Disassembler.forThread().disassemble(CODE, 0, 1)).extracting(Instruction::text).containsExactly("rdtsc");
  }
}
