package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.machine.TestMachines.CODE;
import static org.efiemu.core.machine.TestMachines.hex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallGate;
import org.efiemu.core.gate.GuestCallAbandonedException;
import org.junit.jupiter.api.Test;

/**
 * Continuation workers of {@link CallGate}: persistent threads reused across calls, a stack of them for nested
 * calling-guest calls, the inline fast path chosen by a {@code mayCallGuest} predicate, abandonment when a run ends
 * inside a guest call, and shutdown by {@link CallGate#close()}.
 */
class CallGateWorkerTest {
  /** lea rax,[rcx+rdx]; ret */
  private static final long ADD = CODE + 0x100;
  /** sub rsp,0x28; call r13; add rsp,0x28; ret (calls the function in R13 with RCX, RDX unchanged) */
  private static final long CALL_R13 = CODE + 0x200;
  /** jmp $ */
  private static final long SPIN = CODE + 0x300;
  /** sub rsp,0x28; 1: call rbx; dec r12; jnz 1b; add rsp,0x28; hlt (calls RBX R12 times, RCX/RDX as set) */
  private static final long LOOP = CODE;

  private static Machine machine() {
    Machine m = TestMachines.standard();
    m.memory().write(LOOP, hex("4883ec28ffd349ffcc75f94883c428f4"));
    m.memory().write(ADD, hex("488d0411c3"));
    m.memory().write(CALL_R13, hex("4883ec2841ffd54883c428c3"));
    m.memory().write(SPIN, hex("ebfe"));
    return m;
  }

  /** Calls {@code fn} {@code times} times from one guest loop; returns RAX of the last call. */
  private static long callRepeatedly(Machine m, long fn, long times, long rcx) {
    m.engine().reg(X86Reg.RBX, fn);
    m.engine().reg(X86Reg.R12, times);
    m.engine().reg(X86Reg.RCX, rcx);
    StopReport r = m.run(LOOP, RunLimits.instructions(10_000_000));
    assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
    return r.reg(X86Reg.RAX);
  }

  @Test
  void oneWorkerThreadServesEveryCallingGuestCallInTurn() {
    try (Machine m = machine()) {
      List<Thread> threads = new ArrayList<>();
      long fn = m.gate().registerCallingGuest("AddOne", 1, ctx -> {
        threads.add(Thread.currentThread());
        return ctx.callGuest(ADD, ctx.arg(0), 1);
      });
      assertThat(callRepeatedly(m, fn, 50, 41)).isEqualTo(42);
      assertThat(threads).hasSize(50).containsOnly(threads.get(0)).doesNotContain(Thread.currentThread());
      assertThat(m.gate().stats()).isEqualTo(new CallGate.Stats(0, 50, 1));
      assertThat(threads.get(0).getName()).isEqualTo("efiemu-gate-0x90000-worker-1");
    }
  }

  @Test
  void nestedCallingGuestCallTakesASecondWorkerAndBothResumeInOrder() {
    try (Machine m = machine()) {
      List<String> log = new ArrayList<>();
      long inner = m.gate().registerCallingGuest("Inner", 2, ctx -> {
        long r = ctx.callGuest(ADD, ctx.arg(0), ctx.arg(1));
        log.add("inner " + r + " on " + Thread.currentThread().getName());
        return r * 10;
      });
      m.engine().reg(X86Reg.R13, inner);
      long outer = m.gate().registerCallingGuest("Outer", 1, ctx -> {
        long r = ctx.callGuest(CALL_R13, ctx.arg(0), 2);
        log.add("outer " + r + " on " + Thread.currentThread().getName());
        return r + 1;
      });
      StopReport r = m.call(RunLimits.instructions(100_000), outer, 5);
      assertThat(r.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(r.returnValue()).isEqualTo(71);
      assertThat(r.reg(X86Reg.RSP)).isEqualTo(TestMachines.STACK_TOP - 0x20);
      assertThat(log).containsExactly("inner 7 on efiemu-gate-0x90000-worker-2",
          "outer 70 on efiemu-gate-0x90000-worker-1");
      // both workers are idle again: a second nested call starts no third one
      assertThat(m.call(RunLimits.instructions(100_000), outer, 1).returnValue()).isEqualTo(31);
      assertThat(m.gate().stats().workers()).isEqualTo(2);
      assertThat(m.gate().pendingGuestCalls()).isZero();
    }
  }

  @Test
  void predicateSayingNoRunsTheFunctionInlineOnTheEmulationThread() {
    try (Machine m = machine()) {
      List<Thread> threads = new ArrayList<>();
      long fn = m.gate().registerCallingGuest("Quiet", 1, ctx -> {
        threads.add(Thread.currentThread());
        return ctx.arg(0) + 1;
      }, ctx -> false);
      assertThat(callRepeatedly(m, fn, 20, 8)).isEqualTo(9);
      assertThat(threads).hasSize(20).containsOnly(Thread.currentThread());
      assertThat(m.gate().stats()).isEqualTo(new CallGate.Stats(20, 0, 0));
    }
  }

  @Test
  void predicateSeesTheCallsArgumentsAndChoosesThePathPerCall() {
    try (Machine m = machine()) {
      List<String> paths = new ArrayList<>();
      Thread emulation = Thread.currentThread();
      long fn = m.gate().registerCallingGuest("MaybeNotify", 1, ctx -> {
        paths.add(Thread.currentThread() == emulation ? "inline" : "worker");
        return ctx.arg(0) == 0 ? 0 : ctx.callGuest(ADD, ctx.arg(0), 100);
      }, ctx -> ctx.arg(0) != 0);
      assertThat(m.call(RunLimits.instructions(10_000), fn, 0).returnValue()).isZero();
      assertThat(m.call(RunLimits.instructions(10_000), fn, 5).returnValue()).isEqualTo(105);
      assertThat(m.call(RunLimits.instructions(10_000), fn, 0).returnValue()).isZero();
      assertThat(paths).containsExactly("inline", "worker", "inline");
      // inline calls also count the machine's own "<return to host>" function
      assertThat(m.gate().stats().continuationCalls()).isEqualTo(1);
      assertThat(m.gate().stats().workers()).isEqualTo(1);
    }
  }

  @Test
  void callGuestFromACallThePredicateInlinedFailsNamingTheFunctionAndThePredicate() {
    try (Machine m = machine()) {
      long fn = m.gate().registerCallingGuest("SignalEvent", 1, ctx -> ctx.callGuest(ADD, 1, 2), ctx -> false);
      assertThatThrownBy(() -> m.call(RunLimits.instructions(10_000), fn, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("callGuest from SignalEvent")
          .hasMessageContaining("mayCallGuest predicate said this call could not run guest code");
    }
  }

  @Test
  void nullPredicateIsRefusedNamingTheFunction() {
    try (Machine m = machine()) {
      assertThatThrownBy(() -> m.gate().registerCallingGuest("Stall", 1, ctx -> 0, null))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("mayCallGuest of Stall is null");
    }
  }

  @Test
  void runEndingInsideAGuestCallLetsTheHostFunctionFinishBeforeTheRunReturns() {
    try (Machine m = machine()) {
      AtomicReference<Throwable> seen = new AtomicReference<>();
      List<String> finished = new ArrayList<>();
      long fn = m.gate().registerCallingGuest("StartImage", 0, ctx -> {
        try {
          return ctx.callGuest(SPIN);
        } catch (GuestCallAbandonedException e) {
          seen.set(e);
          // a second attempt fails at once instead of reaching the (ended) emulation
          assertThatThrownBy(() -> ctx.callGuest(ADD, 1, 2)).isInstanceOf(GuestCallAbandonedException.class);
          throw e;
        } finally {
          finished.add("finished");
        }
      });
      StopReport r = m.call(RunLimits.instructions(5_000), fn);
      assertThat(r.reason()).isEqualTo(StopReason.BUDGET);
      assertThat(finished).containsExactly("finished");
      assertThat(seen.get()).hasMessageContaining("StartImage").hasMessageContaining("run ended");
      assertThat(m.gate().pendingGuestCalls()).isZero();
      // the worker is reused for the next call
      long add = m.gate().registerCallingGuest("Add", 2, ctx -> ctx.callGuest(ADD, ctx.arg(0), ctx.arg(1)));
      assertThat(m.call(RunLimits.instructions(10_000), add, 3, 4).returnValue()).isEqualTo(7);
      assertThat(m.gate().stats().workers()).isEqualTo(1);
    }
  }

  @Test
  void exceptionInACallingGuestFunctionSurfacesAndTheWorkerServesTheNextCall() {
    try (Machine m = machine()) {
      long bad = m.gate().registerCallingGuest("Bad", 0, ctx -> {
        ctx.callGuest(ADD, 1, 1);
        throw new java.io.IOException("disk on fire");
      });
      assertThatThrownBy(() -> m.call(RunLimits.instructions(10_000), bad)).hasRootCauseMessage("disk on fire");
      long add = m.gate().registerCallingGuest("Add", 2, ctx -> ctx.callGuest(ADD, ctx.arg(0), ctx.arg(1)));
      assertThat(m.call(RunLimits.instructions(10_000), add, 3, 4).returnValue()).isEqualTo(7);
      assertThat(m.gate().stats().workers()).isEqualTo(1);
    }
  }

  @Test
  void closingTheGateEndsItsWorkerThreads() throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    try (Machine m = machine()) {
      m.engine().reg(X86Reg.R13, m.gate().registerCallingGuest("Inner", 2, ctx -> {
        threads.add(Thread.currentThread());
        return ctx.callGuest(ADD, ctx.arg(0), ctx.arg(1));
      }));
      long outer = m.gate().registerCallingGuest("Outer", 1, ctx -> {
        threads.add(Thread.currentThread());
        return ctx.callGuest(CALL_R13, ctx.arg(0), 2);
      });
      assertThat(m.call(RunLimits.instructions(100_000), outer, 1).returnValue()).isEqualTo(3);
      assertThat(threads).hasSize(2).allMatch(Thread::isAlive);
    }
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).as(t.getName()).isFalse();
    }
  }
}
