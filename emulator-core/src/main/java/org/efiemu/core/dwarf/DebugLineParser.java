package org.efiemu.core.dwarf;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the line-number programs of a {@code .debug_line} section (DWARF 4 §6.2 and DWARF 5 §6.2: versions 2 to 5,
 * 32- and 64-bit units, the DWARF 5 directory and file entry formats with strings inline, in {@code .debug_str} or
 * in {@code .debug_line_str}) and runs each program's state machine into {@link LineTable.Row}s. Addresses are
 * made RVAs by subtracting the image base they were linked at; rows outside the image are dropped.
 */
public final class DebugLineParser {
  // DWARF 5 §7.22 standard opcodes, §7.22 extended opcodes
  private static final int DW_LNS_COPY = 1;
  private static final int DW_LNS_ADVANCE_PC = 2;
  private static final int DW_LNS_ADVANCE_LINE = 3;
  private static final int DW_LNS_SET_FILE = 4;
  private static final int DW_LNS_SET_COLUMN = 5;
  private static final int DW_LNS_NEGATE_STMT = 6;
  private static final int DW_LNS_SET_BASIC_BLOCK = 7;
  private static final int DW_LNS_CONST_ADD_PC = 8;
  private static final int DW_LNS_FIXED_ADVANCE_PC = 9;
  private static final int DW_LNS_SET_PROLOGUE_END = 10;
  private static final int DW_LNS_SET_EPILOGUE_BEGIN = 11;
  private static final int DW_LNS_SET_ISA = 12;
  private static final int DW_LNE_END_SEQUENCE = 1;
  private static final int DW_LNE_SET_ADDRESS = 2;
  private static final int DW_LNE_DEFINE_FILE = 3;
  private static final int DW_LNE_SET_DISCRIMINATOR = 4;
  // DWARF 5 §7.22 line number header entry formats, §7.5.6 forms
  private static final int DW_LNCT_PATH = 1;
  private static final int DW_LNCT_DIRECTORY_INDEX = 2;
  private static final int DW_FORM_BLOCK2 = 0x03;
  private static final int DW_FORM_BLOCK4 = 0x04;
  private static final int DW_FORM_DATA2 = 0x05;
  private static final int DW_FORM_DATA4 = 0x06;
  private static final int DW_FORM_DATA8 = 0x07;
  private static final int DW_FORM_STRING = 0x08;
  private static final int DW_FORM_BLOCK = 0x09;
  private static final int DW_FORM_BLOCK1 = 0x0a;
  private static final int DW_FORM_DATA1 = 0x0b;
  private static final int DW_FORM_SDATA = 0x0d;
  private static final int DW_FORM_STRP = 0x0e;
  private static final int DW_FORM_UDATA = 0x0f;
  private static final int DW_FORM_DATA16 = 0x1e;
  private static final int DW_FORM_LINE_STRP = 0x1f;

  private final DwarfCursor in;
  private final DwarfCursor lineStr;
  private final DwarfCursor str;
  private final long imageBase;
  private final long imageSize;
  private final List<LineTable.Row> rows = new ArrayList<>();

  private DebugLineParser(byte[] debugLine, byte[] debugLineStr, byte[] debugStr, long imageBase, long imageSize) {
    this.in = new DwarfCursor(".debug_line", debugLine);
    this.lineStr = new DwarfCursor(".debug_line_str", debugLineStr == null ? new byte[0] : debugLineStr);
    this.str = new DwarfCursor(".debug_str", debugStr == null ? new byte[0] : debugStr);
    this.imageBase = imageBase;
    this.imageSize = imageSize;
  }

  /**
   * The rows of every unit of {@code debugLine}.
   *
   * @param debugLineStr {@code .debug_line_str} (DWARF 5), or null when the image has none
   * @param debugStr {@code .debug_str}, or null
   * @param imageBase the ImageBase the addresses were linked at
   * @param imageSize SizeOfImage: rows at RVAs outside it are dropped
   * @throws DwarfFormatException naming the section offset and what was expected there
   */
  public static LineTable parse(byte[] debugLine, byte[] debugLineStr, byte[] debugStr, long imageBase,
      long imageSize) throws DwarfFormatException {
    DebugLineParser p = new DebugLineParser(debugLine, debugLineStr, debugStr, imageBase, imageSize);
    while (!p.in.atEnd()) {
      p.unit();
    }
    return LineTable.of(p.rows);
  }

  private void unit() throws DwarfFormatException {
    int start = in.position();
    long length = in.u32("unit_length");
    int offsetSize = 4;
    if (length == 0xFFFF_FFFFL) {
      length = in.u64("unit_length (64-bit DWARF)");
      offsetSize = 8;
    } else if (length >= 0xFFFF_FFF0L) {
      throw in.error(start, String.format("unit_length 0x%X is reserved (DWARF 5 §7.2.2)", length));
    }
    long end = in.position() + length;
    if (length > in.limit() - in.position()) {
      throw in.error(start, String.format("unit_length 0x%X runs past the end of the section (0x%X bytes left)",
          length, in.limit() - in.position()));
    }
    int version = in.u16("version");
    if (version < 2 || version > 5) {
      throw in.error(in.position() - 2, "line table version " + version + ", expected 2 to 5");
    }
    if (version >= 5) {
      int addressSize = in.u8("address_size");
      if (addressSize != 8 && addressSize != 4) {
        throw in.error(in.position() - 1, "address_size " + addressSize + ", expected 8 (or 4)");
      }
      in.u8("segment_selector_size");
    }
    long headerLength = in.unsigned(offsetSize, "header_length");
    long programStart = in.position() + headerLength;
    if (headerLength > end - in.position()) {
      throw in.error(in.position() - offsetSize, String.format("header_length 0x%X runs past the unit's end",
          headerLength));
    }
    int minInstructionLength = in.u8("minimum_instruction_length");
    if (version >= 4) {
      int maxOps = in.u8("maximum_operations_per_instruction");
      if (maxOps != 1) {
        throw in.error(in.position() - 1, "maximum_operations_per_instruction " + maxOps
            + ", expected 1 (x86-64 is not a VLIW architecture)");
      }
    }
    boolean defaultIsStmt = in.u8("default_is_stmt") != 0;
    int lineBase = in.s8("line_base");
    int lineRange = in.u8("line_range");
    if (lineRange == 0) {
      throw in.error(in.position() - 1, "line_range 0, expected at least 1");
    }
    int opcodeBase = in.u8("opcode_base");
    if (opcodeBase == 0) {
      throw in.error(in.position() - 1, "opcode_base 0, expected at least 1");
    }
    int[] opcodeLengths = new int[opcodeBase];
    for (int i = 1; i < opcodeBase; i++) {
      opcodeLengths[i] = in.u8("standard_opcode_lengths[" + i + "]");
    }
    List<String> files = version >= 5 ? filesV5(offsetSize) : filesV4();
    in.seek(programStart, "the line-number program (header_length)");
    int saved = in.limit();
    in.limitTo(end, "the unit (unit_length)");
    program(version, files, minInstructionLength, defaultIsStmt, lineBase, lineRange, opcodeBase, opcodeLengths);
    in.restoreLimit(saved);
    in.seek(end, "the next unit");
  }

  /** DWARF 2-4: include_directories and file_names as NUL-terminated lists; file 1 is the first file. */
  private List<String> filesV4() throws DwarfFormatException {
    List<String> dirs = new ArrayList<>();
    dirs.add("");
    while (true) {
      String d = in.cstring("include_directories entry");
      if (d.isEmpty()) {
        break;
      }
      dirs.add(d);
    }
    List<String> files = new ArrayList<>();
    files.add(null); // file 0 is not used before DWARF 5
    while (true) {
      String name = in.cstring("file_names entry");
      if (name.isEmpty()) {
        break;
      }
      files.add(join(dirs, in.uleb("file directory index"), name, in.position()));
      in.uleb("file modification time");
      in.uleb("file length");
    }
    return files;
  }

  /** DWARF 5: directory and file entries described by (content type, form) pairs; file 0 is the primary file. */
  private List<String> filesV5(int offsetSize) throws DwarfFormatException {
    List<String> dirs = new ArrayList<>();
    for (String[] entry : entries(offsetSize, "directory")) {
      dirs.add(entry[0] == null ? "" : entry[0]);
    }
    List<String> files = new ArrayList<>();
    for (String[] entry : entries(offsetSize, "file name")) {
      if (entry[0] == null) {
        throw in.error(in.position(), "a file name entry without DW_LNCT_path");
      }
      long dir = entry[1] == null ? 0 : Long.parseLong(entry[1]);
      files.add(join(dirs, dir, entry[0], in.position()));
    }
    return files;
  }

  /** One entry list: {path, directory index} per entry (null where absent). */
  private List<String[]> entries(int offsetSize, String what) throws DwarfFormatException {
    int formatCount = in.u8(what + "_entry_format_count");
    long[][] formats = new long[formatCount][2];
    for (int i = 0; i < formatCount; i++) {
      formats[i][0] = in.uleb(what + " entry content type");
      formats[i][1] = in.uleb(what + " entry form");
    }
    long count = in.uleb(what + "s_count");
    if (count > in.limit() - in.position()) {
      throw in.error(in.position(), what + "s_count " + count + " is more than the bytes left in the section");
    }
    List<String[]> out = new ArrayList<>();
    for (long e = 0; e < count; e++) {
      String[] entry = new String[2];
      for (long[] f : formats) {
        int formAt = in.position();
        String value = form((int) f[1], offsetSize, what);
        if (f[0] == DW_LNCT_PATH) {
          if (value == null) {
            throw in.error(formAt, what + " DW_LNCT_path in form 0x" + Long.toHexString(f[1])
                + ", expected a string form (DW_FORM_string, DW_FORM_line_strp, DW_FORM_strp)");
          }
          entry[0] = value;
        } else if (f[0] == DW_LNCT_DIRECTORY_INDEX) {
          entry[1] = value;
        }
      }
      out.add(entry);
    }
    return out;
  }

  /** Reads one attribute value; strings and numbers come back as text, blocks and MD5s as null. */
  private String form(int form, int offsetSize, String what) throws DwarfFormatException {
    switch (form) {
      case DW_FORM_STRING:
        return in.cstring(what + " string");
      case DW_FORM_LINE_STRP:
        return lineStr.stringAt(in.unsigned(offsetSize, what + " DW_FORM_line_strp"), what + " path");
      case DW_FORM_STRP:
        return str.stringAt(in.unsigned(offsetSize, what + " DW_FORM_strp"), what + " path");
      case DW_FORM_UDATA:
        return Long.toUnsignedString(in.uleb(what + " DW_FORM_udata"));
      case DW_FORM_SDATA:
        return Long.toString(in.sleb(what + " DW_FORM_sdata"));
      case DW_FORM_DATA1:
        return Long.toString(in.u8(what + " DW_FORM_data1"));
      case DW_FORM_DATA2:
        return Long.toString(in.u16(what + " DW_FORM_data2"));
      case DW_FORM_DATA4:
        return Long.toString(in.u32(what + " DW_FORM_data4"));
      case DW_FORM_DATA8:
        return Long.toUnsignedString(in.u64(what + " DW_FORM_data8"));
      case DW_FORM_DATA16:
        in.skip(16, what + " DW_FORM_data16");
        return null;
      case DW_FORM_BLOCK:
        in.skip(in.uleb(what + " DW_FORM_block length"), what + " DW_FORM_block");
        return null;
      case DW_FORM_BLOCK1:
        in.skip(in.u8(what + " DW_FORM_block1 length"), what + " DW_FORM_block1");
        return null;
      case DW_FORM_BLOCK2:
        in.skip(in.u16(what + " DW_FORM_block2 length"), what + " DW_FORM_block2");
        return null;
      case DW_FORM_BLOCK4:
        in.skip(in.u32(what + " DW_FORM_block4 length"), what + " DW_FORM_block4");
        return null;
      default:
        throw in.error(in.position(), String.format("%s entry form 0x%X is not one a line table header uses"
            + " (expected string, line_strp, strp, udata, data1/2/4/8/16 or block)", what, form));
    }
  }

  private String join(List<String> dirs, long dir, String name, int at) throws DwarfFormatException {
    if (dir < 0 || dir >= dirs.size()) {
      throw in.error(at, String.format("file '%s' names directory %d, the header lists %d", name, dir, dirs.size()));
    }
    String d = dirs.get((int) dir);
    if (d.isEmpty() || name.startsWith("/")) {
      return name;
    }
    return d.endsWith("/") ? d + name : d + "/" + name;
  }

  /** The state machine (DWARF 5 §6.2.2, §6.2.5). */
  private void program(int version, List<String> files, int minInstructionLength, boolean defaultIsStmt, int lineBase,
      int lineRange, int opcodeBase, int[] opcodeLengths) throws DwarfFormatException {
    long address = 0;
    long file = 1;
    long line = 1;
    boolean isStmt = defaultIsStmt;
    List<LineTable.Row> sequence = new ArrayList<>();
    while (!in.atEnd()) {
      int at = in.position();
      int op = in.u8("opcode");
      if (op >= opcodeBase) {
        int adjusted = op - opcodeBase;
        address += (long) (adjusted / lineRange) * minInstructionLength;
        line += lineBase + adjusted % lineRange;
        sequence.add(row(address, files, file, line, isStmt, at));
        continue;
      }
      switch (op) {
        case 0: {
          long len = in.uleb("extended opcode length");
          if (len == 0 || len > in.limit() - in.position()) {
            throw in.error(at, "extended opcode length " + len + ", expected 1 to the bytes left in the unit");
          }
          int next = in.position() + (int) len;
          int sub = in.u8("extended opcode");
          switch (sub) {
            case DW_LNE_END_SEQUENCE:
              sequence.add(new LineTable.Row(address - imageBase, null, false));
              keep(sequence);
              sequence = new ArrayList<>();
              address = 0;
              file = 1;
              line = 1;
              isStmt = defaultIsStmt;
              break;
            case DW_LNE_SET_ADDRESS:
              address = in.unsigned((int) len - 1, "DW_LNE_set_address operand");
              break;
            case DW_LNE_DEFINE_FILE:
              if (version >= 5) {
                throw in.error(at, "DW_LNE_define_file in a version 5 line table (removed in DWARF 5)");
              }
              files.add(in.cstring("DW_LNE_define_file name"));
              break;
            case DW_LNE_SET_DISCRIMINATOR:
            default:
              break; // operands skipped below
          }
          in.seek(next, "the end of extended opcode " + sub);
          break;
        }
        case DW_LNS_COPY:
          sequence.add(row(address, files, file, line, isStmt, at));
          break;
        case DW_LNS_ADVANCE_PC:
          address += in.uleb("DW_LNS_advance_pc operand") * minInstructionLength;
          break;
        case DW_LNS_ADVANCE_LINE:
          line += in.sleb("DW_LNS_advance_line operand");
          break;
        case DW_LNS_SET_FILE:
          file = in.uleb("DW_LNS_set_file operand");
          break;
        case DW_LNS_SET_COLUMN:
          in.uleb("DW_LNS_set_column operand");
          break;
        case DW_LNS_NEGATE_STMT:
          isStmt = !isStmt;
          break;
        case DW_LNS_SET_BASIC_BLOCK:
        case DW_LNS_SET_PROLOGUE_END:
        case DW_LNS_SET_EPILOGUE_BEGIN:
          break;
        case DW_LNS_CONST_ADD_PC:
          address += (long) ((255 - opcodeBase) / lineRange) * minInstructionLength;
          break;
        case DW_LNS_FIXED_ADVANCE_PC:
          address += in.u16("DW_LNS_fixed_advance_pc operand");
          break;
        case DW_LNS_SET_ISA:
          in.uleb("DW_LNS_set_isa operand");
          break;
        default:
          for (int i = 0; i < opcodeLengths[op]; i++) {
            in.uleb("operand of standard opcode " + op);
          }
      }
    }
    if (!sequence.isEmpty()) {
      throw in.error(in.position(), "the unit's last sequence has no DW_LNE_end_sequence");
    }
  }

  private LineTable.Row row(long address, List<String> files, long file, long line, boolean isStmt, int at)
      throws DwarfFormatException {
    if (file < 0 || file >= files.size() || files.get((int) file) == null) {
      int first = !files.isEmpty() && files.get(0) == null ? 1 : 0;
      throw in.error(at, String.format("a row names file %d, the header lists %s", file,
          files.size() <= first ? "no files" : "files " + first + " to " + (files.size() - 1)));
    }
    return new LineTable.Row(address - imageBase, new SourceLine(files.get((int) file), line), isStmt);
  }

  /** Keeps a finished sequence when it lies inside the image (a sequence at address 0 is code the linker dropped). */
  private void keep(List<LineTable.Row> sequence) {
    long first = sequence.get(0).rva();
    long last = sequence.get(sequence.size() - 1).rva();
    if (first >= 0 && last <= imageSize && first <= last) {
      rows.addAll(sequence);
    }
  }
}
