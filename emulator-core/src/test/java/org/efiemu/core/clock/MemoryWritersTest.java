package org.efiemu.core.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.efiemu.core.debug.disasm.Disassembler;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link MemoryWriters} on Capstone's text of real encodings: which instructions may store, and where a store's
 * destination can be computed from the registers (Intel SDM vol. 2 for what each form does).
 */
class MemoryWritersTest {
  private static Disassembler disassembler;

  @BeforeAll
  static void open() {
    disassembler = new Disassembler();
  }

  @AfterAll
  static void close() {
    disassembler.close();
  }

  private static Instruction decode(String hex) {
    List<Instruction> ins = disassembler.disassemble(HexFormat.of().parseHex(hex), 0x1000, 1);
    assertThat(ins).hasSize(1);
    return ins.get(0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "mov rax from memory, 488b03",
      "movzx from memory, 480fb603",
      "add rax from memory, 480303",
      "lea, 488d4308",
      "cmp memory with an immediate, 48833b00",
      "test memory, 488503",
      "bt memory, 480fa303",
      "nop with a memory operand, 660f1f440000",
      "paddq from memory, 660fd403",
      "movdqa from memory, 660f6f03",
      "pop into a register, 58",
      "leave, c9",
      "ret, c3",
      "jmp through memory, ff23",
      "scasb, ae",
      "lodsq, 48ad",
      "mov between registers, 4889d8",
      "movsxd between registers, 4863c3"})
  void formsThatOnlyReadMemoryOrNoneAreNotWriters(String name, String hex) {
    assertThat(MemoryWriters.mayWrite(decode(hex))).as(decode(hex).text()).isFalse();
    assertThat(MemoryWriters.destination(decode(hex))).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "push a register, 50",
      "pushfq, 9c",
      "call a register, ffd0",
      "call relative, e800000000",
      "enter, c8100000",
      "rep stosq, f348ab",
      "stosb, aa",
      "movsq, 48a5",
      "pop into memory through rsp, 8f442408",
      "bts memory with a register bit offset, 480fab08",
      "fxsave, 0fae00",
      "xsave, 0fae20",
      "maskmovdqu, 660ff7c1",
      "int3, cc",
      "ud2, 0f0b",
      "push from memory, ff30",
      "a store with a segment override, 644889042528000000"})
  void implicitPrefixedAndDisplacedStoresMayWriteAnywhere(String name, String hex) {
    assertThat(MemoryWriters.mayWrite(decode(hex))).as(decode(hex).text()).isTrue();
    assertThat(MemoryWriters.destination(decode(hex))).as(decode(hex).text()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "mov to memory, 4889442468, RSP, , 0, 104, 8",
      "movups to memory, 0f1148f0, RAX, , 0, -16, 16",
      "scaled index, 488944cb10, RBX, RCX, 8, 16, 8",
      "byte store, 8818, RAX, , 0, 0, 1",
      "xchg with memory, 4887042500003000, , , 0, 3145728, 8",
      "add to memory, 480118, RAX, , 0, 0, 8",
      "rip-relative store, 48890510000000, , , 0, 4119, 8"})
  void explicitStoresHaveTheirDestinationOperand(String name, String hex, String base, String index, int scale,
      long disp, int width) {
    Instruction ins = decode(hex);
    assertThat(MemoryWriters.mayWrite(ins)).as(ins.text()).isTrue();
    assertThat(MemoryWriters.destination(ins)).as(ins.text()).isEqualTo(new MemoryWriters.Destination(
        base == null ? null : X86Reg.valueOf(base), index == null ? null : X86Reg.valueOf(index), scale, disp, width));
  }
}
