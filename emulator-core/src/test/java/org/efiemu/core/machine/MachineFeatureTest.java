package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.load;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

class MachineFeatureTest {
  @Test
  void hostWriteAtOnePointFourTibMapsOnlyOneChunkOfTheOnePointFiveTibLayout() {
    try (Machine m = TestMachines.standard()) {
      long before = m.physical().mappedBytes();
      m.memory().putU64(0x160_0000_0000L, 0x1234_5678_9ABCL);
      assertThat(m.memory().u64(0x160_0000_0000L)).isEqualTo(0x1234_5678_9ABCL);
      assertThat(m.physical().mappedBytes() - before).isEqualTo(m.physical().chunkSize());
      assertThat(m.physical().layout().ramBytes()).isGreaterThan(TestMachines.TIB);
      assertThat(m.memory().u64(0x1_4000_0000L)).as("untouched RAM reads as zero").isZero();
    }
  }

  @Test
  void guestAccessAtOrAboveTheEnginesFortyBitPhysicalLimitStopsNamingAddressAndLimit() {
    try (Machine m = TestMachines.standard()) {
      m.engine().reg(X86Reg.RBX, 0x1234_5678_9ABCL);
      // movabs rax,0x16000000000; mov [rax],rbx; mov rcx,[rax]; hlt
      long entry = load(m, "48b80000000060010000488918488b08f4");
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.ABOVE_PHYSICAL_LIMIT);
      assertThat(r.rip()).isEqualTo(entry + 10);
      assertThat(r.detail()).contains("0x16000000000").contains("0x10000000000").contains("40 bits");
      assertThat(r.reg(X86Reg.CR0) & 0x8000_0000L).as("paging stays on").isNotZero();
    }
  }

  @Test
  void guestAccessJustBelowTheOneTibLimitWorksWithPagingOn() {
    try (Machine m = TestMachines.standard()) {
      m.engine().reg(X86Reg.RBX, 0x55AA);
      // movabs rax,0xFFFFFFFFF8; mov [rax],rbx; mov rcx,[rax]; hlt
      long entry = load(m, "48b8f8ffffffff000000488918488b08f4");
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.RCX)).isEqualTo(0x55AA);
      assertThat(m.memory().u64(TestMachines.TIB - 8)).isEqualTo(0x55AA);
    }
  }

  @Test
  void cpuidIsAnsweredFromTheCpuDescription() {
    CpuDescription amd = new CpuDescription("AuthenticAMD", 0x17, 0x31, 0, "test EPYC", 8, 0, 0x178BFBFF, 0, 1,
        0x2010_0800, 48);
    try (Machine m = TestMachines.builder().cpu(amd).build()) {
      StopReport r = m.run(load(m, "31c031c90fa2f4"), RunLimits.none()); // xor eax,eax; xor ecx,ecx; cpuid; hlt
      byte[] vendor = new byte[12];
      long[] parts = {r.reg(X86Reg.RBX), r.reg(X86Reg.RDX), r.reg(X86Reg.RCX)};
      for (int i = 0; i < 12; i++) vendor[i] = (byte) (parts[i / 4] >>> (8 * (i % 4)));
      assertThat(new String(vendor, StandardCharsets.US_ASCII)).isEqualTo("AuthenticAMD");
      assertThat(r.reg(X86Reg.RAX)).isEqualTo(7);
      int[] leaf1 = amd.cpuid(1, 0);
      assertThat((leaf1[0] >> 8) & 0xF).isEqualTo(0xF);
      assertThat((leaf1[0] >> 20) & 0xFF).isEqualTo(0x17 - 0xF);
      assertThat((leaf1[1] >> 16) & 0xFF).isEqualTo(8);
    }
  }

  private static long[] rdtscRun() {
    try (Machine m = TestMachines.standard()) {
      // rdtsc; shl rdx,32; or rax,rdx; mov rbx,rax; nop; nop; rdtsc; shl rdx,32; or rax,rdx; hlt
      long entry = load(m, "0f3148c1e2204809d04889c390900f3148c1e2204809d0f4");
      assertThat(m.declareCode(entry, 24)).isEqualTo(m.rdtscHookedNatively() ? 0 : 2);
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      return new long[] {r.reg(X86Reg.RBX), r.reg(X86Reg.RAX), m.clock().cycles()};
    }
  }

  @Test
  void rdtscReadsTheVirtualClockAndIsDeterministic() {
    long[] first = rdtscRun();
    long[] second = rdtscRun();
    assertThat(second).containsExactly(first);
    assertThat(first[0]).as("first RDTSC: 0 instructions retired, no host calls").isLessThan(100);
    // 6 instructions between the two reads at 1 cycle each, plus the first read's 20-cycle cost
    assertThat(first[1] - first[0]).isEqualTo(6 + 20);
  }

  @Test
  void snapshotRestoreBringsBackRegistersMemoryClockAndUnmapsLaterChunks() {
    try (Machine m = TestMachines.standard()) {
      m.memory().putU64(0x300000, 11);
      m.engine().reg(X86Reg.RBX, 1);
      Snapshot s = m.snapshot();
      long mapped = m.physical().mappedBytes();
      long instructions = m.clock().instructions();
      m.memory().putU64(0x300000, 22);
      m.memory().putU64(0x50_0000_0000L, 33);
      m.run(load(m, "48ffc0ebfb"), RunLimits.instructions(100));
      m.restore(s);
      assertThat(m.memory().u64(0x300000)).isEqualTo(11);
      assertThat(m.memory().u64(0x50_0000_0000L)).isZero();
      assertThat(m.physical().mappedBytes()).isEqualTo(mapped);
      assertThat(m.engine().reg(X86Reg.RBX)).isEqualTo(1);
      assertThat(m.clock().instructions()).isEqualTo(instructions);
    }
  }

  @Test
  void snapshotCarriesUpperLayerStateThroughParticipants() {
    try (Machine m = TestMachines.standard()) {
      StringBuilder state = new StringBuilder("before");
      m.addSnapshotParticipant(new SnapshotParticipant() {
        @Override
        public String key() {
          return "test";
        }

        @Override
        public Object save() {
          return state.toString();
        }

        @Override
        public void restore(Object saved) {
          state.setLength(0);
          state.append(saved);
        }
      });
      Snapshot s = m.snapshot();
      state.append("-changed");
      m.restore(s);
      assertThat(state).hasToString("before");
    }
  }

  @Test
  void twoMachinesRunInParallelThreadsWithoutInterference() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<Long> job = () -> {
        try (Machine m = TestMachines.standard()) {
          StopReport r = m.run(load(m, "48ffc0ebfb"), RunLimits.instructions(2_000_000));
          return r.reg(X86Reg.RAX);
        }
      };
      Future<Long> a = pool.submit(job);
      Future<Long> b = pool.submit(job);
      assertThat(a.get()).isEqualTo(1_000_000L);
      assertThat(b.get()).isEqualTo(1_000_000L);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void switchingCr3ToNonIdentityTablesStopsAtTheNextHostCallWithTheMapping() {
    try (Machine m = TestMachines.standard()) {
      long fn = m.gate().register("Probe", 0, ctx -> 0);
      long pml4 = 0x400000;
      // copy the identity tables, then map virtual 0x8000_0000_00 (PML4[1]) to physical 0 via a 1 GiB page
      byte[] tables = m.memory().read(m.identityCr3(), 2 * 4096);
      m.memory().write(pml4, tables);
      m.memory().putU64(pml4, (pml4 + 4096) | 3);
      m.memory().putU64(pml4 + 0x2000, 0x83);
      m.memory().putU64(pml4 + 8, (pml4 + 0x2000) | 3);
      m.engine().reg(X86Reg.RAX, pml4);
      m.engine().reg(X86Reg.RBX, fn);
      StopReport r = m.run(load(m, "0f22d84883ec28ffd3f4"), RunLimits.instructions(1000));
      assertThat(r.reason()).isEqualTo(StopReason.PAGING_UNSUPPORTED);
      assertThat(r.detail()).contains("virtual 0x8000000000 -> physical 0x0 (1 GiB page)");
    }
  }
}
