package org.efiemu.core.clock;

import java.util.Locale;
import java.util.Set;
import org.efiemu.core.debug.disasm.Instruction;

/**
 * Which x86-64 instructions may store to memory, judged from Capstone's Intel-syntax text (mnemonic and operands).
 * Conservative by construction: an instruction counts as a non-writer only when its form is known to leave memory
 * alone, so a mistake can only make {@link BlockCounter} see two candidates where there is one (and give up), never
 * one where there are two. The rules follow the instruction set (Intel SDM vol. 2):
 * <ul>
 *   <li>prefixed forms ({@code rep}, {@code lock}, ...; Capstone puts the prefix in the mnemonic) and undecodable
 *       bytes may write;</li>
 *   <li>forms that store without naming the memory, or whose memory effect is not a plain operand, may write:
 *       {@code push}/{@code pushf}/{@code call}/{@code enter} (the stack), the string stores {@code stos},
 *       {@code movs}, {@code ins}, {@code maskmovq}/{@code maskmovdqu} ({@code [rdi]}), {@code clzero}
 *       ({@code [rax]}), {@code movdir64b}/{@code enqcmd} (destination address in a register), state saves
 *       ({@code xsave*}, {@code fxsave}, {@code fsave}, {@code fstenv}) and anything raising an interrupt or
 *       exception;</li>
 *   <li>with no memory operand otherwise: no store;</li>
 *   <li>{@code lea}, {@code nop}, prefetches, compares, tests, {@code bt} and indirect {@code jmp} only read their
 *       memory operand;</li>
 *   <li>exchanges ({@code xchg}, {@code xadd}, {@code cmpxchg*}) write their memory operand wherever it stands;</li>
 *   <li>otherwise Intel syntax names the destination first: a memory operand first (or alone) may be written; a
 *       memory operand after a register destination is a source.</li>
 * </ul>
 */
final class MemoryWriters {
  /** Mnemonic prefixes of forms that store without a plain memory destination operand. */
  private static final String[] IMPLICIT = {"push", "call", "lcall", "enter", "stos", "ins", "maskmov", "vmaskmov",
      "clzero", "int", "syscall", "sysenter", "ud", "xsave", "fxsave", "fsave", "fnsave", "fstenv", "fnstenv", "iret",
      "wrss", "wruss", "rstorssp", "saveprevssp", "enqcmd", "movdir", "vmcall", "vmmcall", "bound"};

  /** Forms that only read their memory operands, wherever they stand. */
  private static final Set<String> READ_ONLY = Set.of("lea", "nop", "cmp", "test", "bt", "jmp", "ucomiss", "ucomisd",
      "comiss", "comisd", "vucomiss", "vucomisd", "vcomiss", "vcomisd", "ptest", "vptest", "prefetch", "prefetcht0",
      "prefetcht1", "prefetcht2", "prefetchnta", "prefetchw");

  /**
   * Writers whose store is not at the operand's address computed from the registers seen in the hook: {@code pop}
   * to memory addresses it with RSP already past the popped value while Unicorn updates RSP after the store;
   * {@code bts}/{@code btr}/{@code btc} with a register bit offset store at the operand plus offset / 8; the bound
   * table stores of {@code bndstx}.
   */
  private static final String[] ELSEWHERE = {"pop", "bts", "btr", "btc", "bndst"};

  /** Forms that write their memory operand wherever it stands. */
  private static final Set<String> EXCHANGES = Set.of("xchg", "xadd", "cmpxchg", "cmpxchg8b", "cmpxchg16b");

  private MemoryWriters() {}

  /**
   * The memory destination of a writer, {@code [base + index*scale + disp]} with {@code width} bytes; a null
   * register is absent, {@code rip} is the address of the next instruction.
   */
  record Destination(org.efiemu.core.engine.X86Reg base, org.efiemu.core.engine.X86Reg index, int scale, long disp,
      int width) {
    /** True when a write at {@code address} may lie in this destination, with the registers as they are now. */
    boolean covers(org.efiemu.core.engine.Engine engine, long address) {
      long ea = engine.effectiveAddress(base, index, scale, disp);
      return Long.compareUnsigned(address - ea, width) < 0;
    }
  }

  private static final java.util.Map<String, Integer> WIDTHS = java.util.Map.of("byte", 1, "word", 2, "dword", 4,
      "qword", 8, "tbyte", 10, "xmmword", 16, "ymmword", 32, "zmmword", 64);

  /**
   * Where a writer's only memory operand lies, computed from general registers (which the memory hook sees as they
   * are at the access: Unicorn's TCG stores every guest register to the CPU state before a load or store that can
   * call a hook or fault, whereas RIP is only stored at block ends and hook calls); null when that cannot be told:
   * implicit and prefixed writers, those storing elsewhere ({@link #ELSEWHERE}), several memory operands, segment
   * overrides, 32-bit or vector addressing, unknown operand sizes.
   */
  static Destination destination(Instruction ins) {
    if (ins == null || !mayWrite(ins)) return null;
    String m = ins.mnemonic().trim().toLowerCase(Locale.ROOT);
    String ops = ins.operands().trim().toLowerCase(Locale.ROOT);
    if (m.indexOf(' ') >= 0) return null; // prefixed (rep stos: a new address each round)
    for (String p : IMPLICIT) {
      if (m.startsWith(p)) return null;
    }
    for (String p : ELSEWHERE) {
      if (m.startsWith(p)) return null;
    }
    int open = ops.indexOf('[');
    if (open < 0 || ops.indexOf('[', open + 1) >= 0) return null;
    int close = ops.indexOf(']', open);
    if (close < 0) return null;
    int start = Math.max(ops.lastIndexOf(',', open) + 1, 0);
    String before = ops.substring(start, open).trim();
    if (before.indexOf(':') >= 0) return null; // segment override
    int width = 64;
    int ptr = before.indexOf(" ptr");
    if (ptr > 0) {
      Integer w = WIDTHS.get(before.substring(0, ptr).trim());
      if (w == null) return null;
      width = w;
    } else if (!before.isEmpty()) {
      return null;
    }
    String inside = ops.substring(open + 1, close).trim().replace(" - ", " + -");
    org.efiemu.core.engine.X86Reg base = null;
    org.efiemu.core.engine.X86Reg index = null;
    int scale = 0;
    long disp = 0;
    for (String term : inside.split(" \\+ ")) {
      term = term.trim();
      boolean negative = term.startsWith("-");
      String t = negative ? term.substring(1).trim() : term;
      if (t.isEmpty()) return null;
      if (Character.isDigit(t.charAt(0))) {
        long v;
        try {
          v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
          return null;
        }
        disp += negative ? -v : v;
        continue;
      }
      if (negative) return null;
      int star = t.indexOf('*');
      String reg = star < 0 ? t : t.substring(0, star);
      if (reg.equals("rip") && star < 0) {
        disp += ins.next();
        continue;
      }
      org.efiemu.core.engine.X86Reg r = GPRS.get(reg);
      if (r == null) return null;
      if (star >= 0) {
        if (index != null) return null;
        index = r;
        try {
          scale = Integer.parseInt(t.substring(star + 1));
        } catch (NumberFormatException e) {
          return null;
        }
      } else if (base == null) {
        base = r;
      } else if (index == null) {
        index = r;
        scale = 1;
      } else {
        return null;
      }
    }
    return new Destination(base, index, scale, disp, width);
  }

  private static final java.util.Map<String, org.efiemu.core.engine.X86Reg> GPRS = gprs();

  private static java.util.Map<String, org.efiemu.core.engine.X86Reg> gprs() {
    java.util.Map<String, org.efiemu.core.engine.X86Reg> m = new java.util.HashMap<>();
    for (org.efiemu.core.engine.X86Reg r : java.util.List.of(org.efiemu.core.engine.X86Reg.RAX,
        org.efiemu.core.engine.X86Reg.RBX, org.efiemu.core.engine.X86Reg.RCX, org.efiemu.core.engine.X86Reg.RDX,
        org.efiemu.core.engine.X86Reg.RSI, org.efiemu.core.engine.X86Reg.RDI, org.efiemu.core.engine.X86Reg.RBP,
        org.efiemu.core.engine.X86Reg.RSP, org.efiemu.core.engine.X86Reg.R8, org.efiemu.core.engine.X86Reg.R9,
        org.efiemu.core.engine.X86Reg.R10, org.efiemu.core.engine.X86Reg.R11, org.efiemu.core.engine.X86Reg.R12,
        org.efiemu.core.engine.X86Reg.R13, org.efiemu.core.engine.X86Reg.R14, org.efiemu.core.engine.X86Reg.R15)) {
      m.put(r.name().toLowerCase(Locale.ROOT), r);
    }
    return java.util.Map.copyOf(m);
  }

  /** False only when {@code ins} certainly does not write memory; null (undecodable) counts as a writer. */
  static boolean mayWrite(Instruction ins) {
    if (ins == null) return true;
    String m = ins.mnemonic().trim().toLowerCase(Locale.ROOT);
    String ops = ins.operands().trim().toLowerCase(Locale.ROOT);
    if (m.isEmpty() || m.indexOf(' ') >= 0) return true;
    for (String p : IMPLICIT) {
      if (m.startsWith(p)) return true;
    }
    // movsb/w/d/q with implicit operands; movsx, movsxd and SSE movss/movsd are judged by their operands below
    if (m.startsWith("movs") && ops.isEmpty()) return true;
    int memory = ops.indexOf('[');
    if (memory < 0) return false;
    if (READ_ONLY.contains(m)) return false;
    if (EXCHANGES.contains(m)) return true;
    int comma = ops.indexOf(',');
    return comma < 0 || memory < comma;
  }
}
