package org.efiemu.core.debug.gdb;

import java.util.ArrayList;
import java.util.List;

/**
 * The x86-64 target description served with {@code qXfer:features:read:target.xml} (GDB manual, "Target
 * Descriptions"; register sets of GDB's {@code 64bit-core.xml}, {@code 64bit-sse.xml}, {@code 64bit-segments.xml})
 * plus the control registers in an {@code org.efiemu.x86.control} feature. Register numbers in {@code g}/{@code p}
 * packets are positions in {@link #REGISTERS}.
 */
final class TargetDescription {
  /** One register: GDB name, size in bits, GDB type, feature, and the Unicorn {@code uc_x86_reg} id behind it. */
  record Reg(String name, int bits, String type, String feature, int unicornId) {
    int bytes() {
      return bits / 8;
    }
  }

  static final String CORE = "org.gnu.gdb.i386.core";
  static final String SSE = "org.gnu.gdb.i386.sse";
  static final String SEGMENTS = "org.gnu.gdb.i386.segments";
  static final String CONTROL = "org.efiemu.x86.control";

  static final List<Reg> REGISTERS = build();
  static final int RIP = 16;

  private TargetDescription() {}

  private static List<Reg> build() {
    List<Reg> r = new ArrayList<>();
    String[] gpr = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"};
    int[] gprIds = {35, 37, 38, 40, 43, 39, 36, 44};
    for (int i = 0; i < gpr.length; i++) {
      r.add(new Reg(gpr[i], 64, i >= 6 ? "data_ptr" : "int64", CORE, gprIds[i]));
    }
    for (int i = 8; i <= 15; i++) r.add(new Reg("r" + i, 64, "int64", CORE, 106 + i - 8));
    r.add(new Reg("rip", 64, "code_ptr", CORE, 41));
    r.add(new Reg("eflags", 32, "i386_eflags", CORE, 253));
    String[] seg = {"cs", "ss", "ds", "es", "fs", "gs"};
    int[] segIds = {11, 49, 17, 28, 32, 33};
    for (int i = 0; i < seg.length; i++) r.add(new Reg(seg[i], 32, "int32", CORE, segIds[i]));
    for (int i = 0; i < 8; i++) r.add(new Reg("st" + i, 80, "i387_ext", CORE, 82 + i));
    String[] fpu = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    int[] fpuIds = {246, 31, 247, 255, 254, 257, 256, 258};
    for (int i = 0; i < fpu.length; i++) r.add(new Reg(fpu[i], 32, "int", CORE, fpuIds[i]));
    for (int i = 0; i < 16; i++) r.add(new Reg("xmm" + i, 128, "vec128", SSE, 122 + i));
    r.add(new Reg("mxcsr", 32, "i386_mxcsr", SSE, 249));
    r.add(new Reg("fs_base", 64, "int", SEGMENTS, 250));
    r.add(new Reg("gs_base", 64, "int", SEGMENTS, 251));
    String[] cr = {"cr0", "cr2", "cr3", "cr4"};
    int[] crIds = {50, 52, 53, 54};
    for (int i = 0; i < cr.length; i++) r.add(new Reg(cr[i], 64, "int64", CONTROL, crIds[i]));
    return List.copyOf(r);
  }

  /** The register's number, or -1. */
  static int number(String name) {
    for (int i = 0; i < REGISTERS.size(); i++) if (REGISTERS.get(i).name().equals(name)) return i;
    return -1;
  }

  static String xml() {
    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n")
        .append("  <architecture>i386:x86-64</architecture>\n");
    String feature = null;
    for (Reg reg : REGISTERS) {
      if (!reg.feature().equals(feature)) {
        if (feature != null) sb.append("  </feature>\n");
        feature = reg.feature();
        sb.append("  <feature name=\"").append(feature).append("\">\n").append(types(feature));
      }
      sb.append(String.format("    <reg name=\"%s\" bitsize=\"%d\" type=\"%s\"%s/>%n", reg.name(), reg.bits(),
          reg.type(), group(reg)));
    }
    return sb.append("  </feature>\n</target>\n").toString();
  }

  private static String group(Reg reg) {
    if (reg.name().startsWith("f") && reg.feature().equals(CORE)) return " group=\"float\"";
    if (reg.name().equals("mxcsr")) return " group=\"vector\"";
    if (reg.feature().equals(CONTROL)) return " group=\"system\"";
    return "";
  }

  private static String types(String feature) {
    if (feature.equals(CORE)) {
      return """
              <flags id="i386_eflags" size="4">
                <field name="CF" start="0" end="0"/><field name="" start="1" end="1"/>
                <field name="PF" start="2" end="2"/><field name="AF" start="4" end="4"/>
                <field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
                <field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/>
                <field name="DF" start="10" end="10"/><field name="OF" start="11" end="11"/>
                <field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
                <field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/>
                <field name="VIF" start="19" end="19"/><field name="VIP" start="20" end="20"/>
                <field name="ID" start="21" end="21"/>
              </flags>
          """;
    }
    if (feature.equals(SSE)) {
      return """
              <vector id="v4f" type="ieee_single" count="4"/>
              <vector id="v2d" type="ieee_double" count="2"/>
              <vector id="v16i8" type="int8" count="16"/>
              <vector id="v8i16" type="int16" count="8"/>
              <vector id="v4i32" type="int32" count="4"/>
              <vector id="v2i64" type="int64" count="2"/>
              <union id="vec128">
                <field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/>
                <field name="v16_int8" type="v16i8"/><field name="v8_int16" type="v8i16"/>
                <field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
                <field name="uint128" type="uint128"/>
              </union>
              <flags id="i386_mxcsr" size="4">
                <field name="IE" start="0" end="0"/><field name="DE" start="1" end="1"/>
                <field name="ZE" start="2" end="2"/><field name="OE" start="3" end="3"/>
                <field name="UE" start="4" end="4"/><field name="PE" start="5" end="5"/>
                <field name="DAZ" start="6" end="6"/><field name="IM" start="7" end="7"/>
                <field name="DM" start="8" end="8"/><field name="ZM" start="9" end="9"/>
                <field name="OM" start="10" end="10"/><field name="UM" start="11" end="11"/>
                <field name="PM" start="12" end="12"/><field name="FZ" start="15" end="15"/>
              </flags>
          """;
    }
    return "";
  }
}
