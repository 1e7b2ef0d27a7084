package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallContext;
import org.efiemu.core.pe.PeFormatException;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeLoader;
import org.efiemu.core.pe.PeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The C payload src/test/c/callgate (gcc + GNU ld, loaded with core.pe) calls Java through the call gate with 0 to 10
 * arguments (Microsoft x64 convention, UEFI 2.10 §2.3.4.2), passes pointers Java writes through (a struct) and reads
 * (ASCII and UTF-16 strings), and checks every result and every callee-saved register in the guest. The mutations
 * prove the guest's checks can fail: Java that reads two arguments in the wrong order, or that changes a
 * callee-saved register, makes the payload report exactly that check.
 */
class CallGatePayloadTest {
  private static final long TABLE_MAGIC = 0x4554414745474C43L;
  private static final long IMAGE_BASE = 0x300_0000L; // not the link-time ImageBase: base relocations are applied
  private static final long TABLE = 0x30_0000L;
  private static final long EFI_ABORTED = 0x8000_0000_0000_0015L;
  private static final String[] CLOBBER_NAMES = {"RBX", "RBP", "RDI", "RSI", "R12", "R13", "R14", "R15", "XMM6",
      "XMM7", "XMM8", "XMM9", "XMM10", "XMM11", "XMM12", "XMM13", "XMM14", "XMM15", "RSP"};

  /** What the Java side does wrong on purpose; NONE is the correct gate. */
  enum Mutation {
    NONE(null, 0, m -> {}),
    SWAPPED_STACK_ARGUMENTS(null, 16, m -> {}), // fn[6] reads arguments 4 and 5 in the wrong order
    CLOBBER_RBX("RBX", 33, m -> m.engine().reg(X86Reg.RBX, 0)),
    CLOBBER_RBP("RBP", 33, m -> m.engine().reg(X86Reg.RBP, 0)),
    CLOBBER_RDI("RDI", 33, m -> m.engine().reg(X86Reg.RDI, 0)),
    CLOBBER_RSI("RSI", 33, m -> m.engine().reg(X86Reg.RSI, 0)),
    CLOBBER_R12("R12", 33, m -> m.engine().reg(X86Reg.R12, 0)),
    CLOBBER_R15("R15", 33, m -> m.engine().reg(X86Reg.R15, 0)),
    CLOBBER_XMM6("XMM6", 33, m -> m.engine().xmm(6, 0, 0)),
    CLOBBER_XMM11_HIGH_HALF("XMM11", 33, m -> m.engine().xmm(11, m.engine().xmm(11)[0], 1)),
    CLOBBER_XMM15("XMM15", 33, m -> m.engine().xmm(15, 0, 0));

    final String register;
    final long failedCheck;
    final Consumer<Machine> inFn3;

    Mutation(String register, long failedCheck, Consumer<Machine> inFn3) {
      this.register = register;
      this.failedCheck = failedCheck;
      this.inFn3 = inFn3;
    }
  }

  /** What the Java side saw during one run. */
  private static final class Seen {
    final List<String> strings = new ArrayList<>();
    final List<String> misaligned = new ArrayList<>();
    final List<Integer> arities = new ArrayList<>();
  }

  private static long mix(int n, long[] a) {
    long h = 0x9E3779B97F4A7C15L * (n + 1);
    for (int i = 0; i < n; i++) h = (h ^ a[i]) * 0x100000001B3L + i;
    return h;
  }

  private static PeImage image() throws IOException, PeFormatException {
    try (InputStream in = CallGatePayloadTest.class.getResourceAsStream("/payloads/callgate.efi")) {
      if (in == null) {
        return fail("/payloads/callgate.efi is missing; it is built from emulator-core/src/test/c/callgate by "
            + "`mvn -pl emulator-core generate-test-resources` (without -Defiemu.payloads.skip=true)");
      }
      return PeParser.parse(in.readAllBytes(), "callgate.efi");
    }
  }

  private static void checkAlignment(CallContext ctx, Seen seen) {
    if ((ctx.stackPointer() + 8) % 16 != 0) {
      seen.misaligned.add(String.format("%s: RSP 0x%X at entry", ctx.label(), ctx.stackPointer()));
    }
  }

  /** Loads the payload, registers the table's functions, runs efi_main(table, 0). */
  private static StopReport run(Machine m, Mutation mutation, Seen seen) throws Exception {
    PeImage image = image();
    m.memory().write(IMAGE_BASE, PeLoader.layout(image, IMAGE_BASE));
    m.memory().putU64(TABLE, TABLE_MAGIC);
    for (int n = 0; n <= 10; n++) {
      int arity = n;
      long fn = m.gate().register("Fn" + n, n, ctx -> {
        checkAlignment(ctx, seen);
        seen.arities.add(arity);
        long[] a = new long[arity];
        for (int i = 0; i < arity; i++) a[i] = ctx.arg(i);
        if (arity == 6 && mutation == Mutation.SWAPPED_STACK_ARGUMENTS) {
          long t = a[4];
          a[4] = a[5];
          a[5] = t;
        }
        if (arity == 3) mutation.inFn3.accept(m);
        return mix(arity, a);
      });
      m.memory().putU64(TABLE + 8 + 8L * n, fn);
    }
    long fill = m.gate().register("FillProbe", 2, ctx -> {
      checkAlignment(ctx, seen);
      long p = ctx.arg(0);
      long seed = ctx.arg(1);
      ctx.memory().require(p, 56, "FillProbe's probe");
      ctx.memory().putU8(p, 0xA5);
      ctx.memory().putU16(p + 2, 0xBEEF);
      ctx.memory().putU32(p + 4, 0xDEAD_BEEFL ^ (seed & 0xFFFF_FFFFL));
      ctx.memory().putU64(p + 8, seed * 3);
      ctx.memory().putUtf16z(p + 16, "efiemu gate");
      return ctx.memory().u64(p + 48) ^ seed;
    });
    long ascii = m.gate().register("ReadAscii", 1, ctx -> {
      checkAlignment(ctx, seen);
      String s = ctx.memory().asciiz(ctx.arg(0), 256);
      seen.strings.add(s);
      return s.length();
    });
    long utf16 = m.gate().register("ReadUtf16", 1, ctx -> {
      checkAlignment(ctx, seen);
      String s = ctx.memory().utf16z(ctx.arg(0), 256);
      seen.strings.add(s);
      return s.length();
    });
    m.memory().putU64(TABLE + 96, fill);
    m.memory().putU64(TABLE + 104, ascii);
    m.memory().putU64(TABLE + 112, utf16);
    return m.call(RunLimits.instructions(1_000_000), image.entryPoint(IMAGE_BASE), TABLE, 0);
  }

  private static String outcome(Machine m) {
    long clobbered = m.memory().u64(TABLE + 152);
    List<String> regs = new ArrayList<>();
    for (int b = 0; b < CLOBBER_NAMES.length; b++) if ((clobbered >>> b & 1) != 0) regs.add(CLOBBER_NAMES[b]);
    return String.format("guest check %d failed after %d calls: expected 0x%X, got 0x%X, clobbered %s",
        m.memory().u64(TABLE + 128), m.memory().u64(TABLE + 120), m.memory().u64(TABLE + 136),
        m.memory().u64(TABLE + 144), regs);
  }

  @Test
  void guestCallsJavaWithZeroToTenArgumentsPointersAndStringsAndEveryGuestCheckPasses() throws Exception {
    Seen seen = new Seen();
    try (Machine m = TestMachines.standard()) {
      StopReport r = run(m, Mutation.NONE, seen);
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.RETURNED);
      assertThat(r.returnValue()).as(outcome(m)).isZero();
      assertThat(m.memory().u64(TABLE + 120)).as("calls the guest made").isEqualTo(14);
      assertThat(seen.arities).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
      assertThat(seen.strings).containsExactly("guest says: hello, Java", "UTF-16 from the guest: \u00e9\u4e2d");
      assertThat(seen.misaligned).as("RSP+8 is 16-byte aligned at every entry").isEmpty();
      assertThat(m.gate().recentCalls()).extracting(c -> c.label()).containsSubsequence("Fn0", "Fn10",
          "FillProbe", "ReadAscii", "ReadUtf16", "<return to host>");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Mutation.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void wrongArgumentOrderOrAClobberedCalleeSavedRegisterFailsTheGuestCheck(Mutation mutation) throws Exception {
    try (Machine m = TestMachines.standard()) {
      StopReport r = run(m, mutation, new Seen());
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.RETURNED);
      assertThat(r.returnValue()).as(outcome(m)).isEqualTo(EFI_ABORTED);
      assertThat(m.memory().u64(TABLE + 128)).as(outcome(m)).isEqualTo(mutation.failedCheck);
      if (mutation.register != null) assertThat(outcome(m)).endsWith("clobbered [" + mutation.register + "]");
    }
  }
}
