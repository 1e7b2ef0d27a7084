package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.CODE;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

/**
 * A reused engine keeps guest RAM's regions and host memory from one machine to the next ({@code RamPool}): a region
 * the next machine claims reads as zeros wherever the earlier machine's guest or host wrote, a kept region the next
 * machine does not claim is mapped again only when (and as) its guest touches it, exactly as on a new engine.
 */
class KeptRamTest {
  /** mov rbx, 0x1234; mov [0x300000], rbx; mov [0x310ff8], rbx; hlt. */
  private static final String WRITE_TWO_CHUNKS = "48c7c334120000" + "48891c2500003000" + "48891c25f80f3100" + "f4";
  /** mov rax, [0x300000]; mov rbx, [0x310ff8]; hlt. */
  private static final String READ_TWO_CHUNKS = "488b042500003000" + "488b1c25f80f3100" + "f4";

  private static StopReport run(Machine m, String code) {
    StopReport r = m.run(load(m, code), RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.HLT);
    return r;
  }

  /** Runs {@link #READ_TWO_CHUNKS}, the host having written a byte at 0x300010 first when {@code hostWrites}. */
  private static String readBack(Machine m, boolean hostWrites) {
    List<String> mapped = new ArrayList<>();
    m.physical().addChunkListener((base, size) -> mapped.add(Long.toHexString(base) + "+" + Long.toHexString(size)));
    if (hostWrites) m.memory().write(0x300010, new byte[] {5});
    StopReport r = run(m, READ_TWO_CHUNKS);
    List<String> chunks = new ArrayList<>();
    for (long[] c : m.physical().mappedChunks()) chunks.add(Long.toHexString(c[0]) + "+" + Long.toHexString(c[1]));
    return "rax=" + r.reg(X86Reg.RAX) + " rbx=" + r.reg(X86Reg.RBX) + " instructions=" + r.instructions()
        + " cycles=" + m.clock().cycles() + " mapped as touched=" + mapped + " chunks=" + chunks
        + " host bytes=" + m.engine().hostBackedBytes();
  }

  @Test
  void regionsTheNextMachineClaimsReadAsZerosWhereTheEarlierMachinesGuestAndHostWrote() {
    String fresh;
    try (Machine m = builder().build()) {
      fresh = readBack(m, true);
    }
    assertThat(fresh).startsWith("rax=0 rbx=0 ");
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int i = 0; i < 3; i++) {
        try (Machine m = builder().engine(engine).build()) {
          run(m, WRITE_TWO_CHUNKS);
          m.memory().write(0x300010, new byte[] {9, 9, 9, 9});
        }
        try (Machine m = builder().engine(engine).build()) {
          assertThat(readBack(m, true)).as("machine %d", i).isEqualTo(fresh);
        }
      }
      ReusableEngine.KeptRam kept = engine.keptRam();
      assertThat(kept.claimed()).as("%s", kept).isPositive(); // the code, stack, trap and structures chunks at least
      assertThat(kept.pagesCleared()).as("%s", kept).isPositive();
    }
  }

  @Test
  void aKeptRegionTheNextMachineDoesNotClaimIsMappedAgainOnlyWhenItsGuestTouchesIt() {
    String fresh;
    try (Machine m = builder().build()) {
      fresh = readBack(m, false);
    }
    assertThat(fresh).contains("mapped as touched=[200000+10000, 300000+10000, 310000+10000]"); // the code by the host
    try (ReusableEngine engine = new ReusableEngine()) {
      try (Machine m = builder().engine(engine).build()) {
        run(m, WRITE_TWO_CHUNKS);
      }
      try (Machine m = builder().engine(engine).build()) {
        assertThat(readBack(m, false)).isEqualTo(fresh);
      }
      ReusableEngine.KeptRam kept = engine.keptRam();
      assertThat(kept.dropped()).as("%s", kept).isGreaterThanOrEqualTo(2);
      assertThat(kept.spareReused()).as("%s", kept).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void anEngineThatDoesNotKeepRamRunsTheSame() {
    String fresh;
    try (Machine m = builder().build()) {
      fresh = readBack(m, true);
    }
    try (ReusableEngine engine = new ReusableEngine(false)) {
      for (int i = 0; i < 2; i++) {
        try (Machine m = builder().engine(engine).build()) {
          run(m, WRITE_TWO_CHUNKS);
        }
        try (Machine m = builder().engine(engine).build()) {
          assertThat(readBack(m, true)).isEqualTo(fresh);
        }
      }
      assertThat(engine.keptRam()).isEqualTo(new ReusableEngine.KeptRam(0, 0, 0, 0, 0, 0, 0));
    }
  }

  @Test
  void codeAtTheAddressOfAClaimedRegionIsTheNewMachinesCode() {
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int n = 1; n <= 4; n++) {
        try (Machine m = builder().engine(engine).build()) {
          // mov rax, n; hlt at CODE, in a region claimed from the previous machine, whose code there differed
          StopReport r = run(m, String.format("48c7c0%02x000000f4", n));
          assertThat(r.reg(X86Reg.RAX)).isEqualTo(n);
          assertThat(m.engine().isHostBacked(CODE, 1)).isTrue();
        }
      }
      assertThat(engine.keptRam().claimed()).isPositive();
    }
  }
}
