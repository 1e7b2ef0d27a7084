package org.efiemu.core.dwarf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The address-to-line table of one image, from its {@code .debug_line} section: for an RVA, the source line whose
 * code holds it; for {@code file.c:LINE}, the first address of that line's code. Empty when the image carries no
 * DWARF line information, or when it could not be read ({@link #problem()} says where and why: bad debug data never
 * stops an image from running). Immutable.
 */
public final class LineTable {
  private static final LineTable EMPTY = new LineTable(List.of(), null);

  /**
   * One row of a line-number program with its address made an RVA; {@code line == null} marks the first address
   * past a sequence.
   */
  public record Row(long rva, SourceLine line, boolean isStmt) {
    boolean endsSequence() {
      return line == null;
    }
  }

  private final List<Row> rows;
  private final String problem;

  private LineTable(List<Row> sorted, String problem) {
    this.rows = sorted;
    this.problem = problem;
  }

  public static LineTable empty() {
    return EMPTY;
  }

  /** A table that could not be read: empty, with the reason. */
  public static LineTable unreadable(String problem) {
    return new LineTable(List.of(), problem);
  }

  /**
   * The table of {@code rows} (in program order, sequence by sequence). Sorted by RVA; at one RVA a sequence's end
   * comes before another sequence's start, and a sequence's rows keep their order, so the last of them wins in
   * {@link #lookup} (as addr2line reads them).
   */
  static LineTable of(List<Row> rows) {
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingLong(Row::rva).thenComparing(r -> r.endsSequence() ? 0 : 1));
    return new LineTable(List.copyOf(sorted), null);
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Why the image's line information could not be read, if it could not. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /** Every row, sorted by RVA. */
  public List<Row> rows() {
    return rows;
  }

  /** The source line whose code holds {@code rva}; empty between sequences and outside every sequence. */
  public Optional<SourceLine> lookup(long rva) {
    int lo = 0;
    int hi = rows.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (rows.get(mid).rva() <= rva) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? Optional.empty() : Optional.ofNullable(rows.get(found).line());
  }

  /** The source files named by the table's rows, by path, in the order first met. */
  public List<String> files() {
    Set<String> files = new LinkedHashSet<>();
    for (Row r : rows) {
      if (r.line() != null) {
        files.add(r.line().path());
      }
    }
    return List.copyOf(files);
  }

  /**
   * Where a breakpoint on {@code file:line} goes: the lowest RVA of a statement row of that line, or, when the line
   * has no code (a comment, a blank line), of the next line after it that has (as gdb does). {@code file} matches a
   * row's path exactly, by its last components ({@code c/main.c}) or by its file name ({@code main.c}).
   *
   * @return the RVA and the line it belongs to; empty when the file has no code at or after {@code line}
   */
  public Optional<Row> firstRowOf(String file, long line) {
    Row best = null;
    for (Row r : rows) {
      if (r.line() == null || !r.isStmt() || !matches(r.line().path(), file) || r.line().line() < line) {
        continue;
      }
      if (best == null || r.line().line() < best.line().line()
          || r.line().line() == best.line().line() && r.rva() < best.rva()) {
        best = r;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Whether some row's path is {@code file} (see {@link #firstRowOf}). */
  public boolean hasFile(String file) {
    return rows.stream().anyMatch(r -> r.line() != null && matches(r.line().path(), file));
  }

  static boolean matches(String path, String file) {
    String p = path.replace('\\', '/');
    String f = file.replace('\\', '/');
    return p.equals(f) || p.endsWith("/" + f);
  }
}
