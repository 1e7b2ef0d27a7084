package org.efiemu.core.pe;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The code symbols of one image, sorted by RVA, for describing addresses as {@code function+offset} and finding a
 * function by name. Empty when the image was stripped (NumberOfSymbols 0) or its table could not be read
 * ({@link #problem()} says why; a bad symbol table does not stop the image from loading, as EDK2 never reads it).
 * Immutable.
 */
public final class SymbolTable {
  private static final SymbolTable EMPTY = new SymbolTable(List.of(), List.of(), null);

  private final List<CoffSymbol> byRva;
  /** End RVA (exclusive) of the executable section holding each symbol of {@link #byRva}. */
  private final List<Long> sectionEnds;
  private final Map<String, CoffSymbol> byName = new LinkedHashMap<>();
  private final String problem;

  SymbolTable(List<CoffSymbol> sorted, List<Long> sectionEnds, String problem) {
    this.byRva = List.copyOf(sorted);
    this.sectionEnds = List.copyOf(sectionEnds);
    this.problem = problem;
    for (CoffSymbol s : sorted) {
      byName.putIfAbsent(s.name(), s);
    }
  }

  public static SymbolTable empty() {
    return EMPTY;
  }

  static SymbolTable unreadable(String problem) {
    return new SymbolTable(List.of(), List.of(), problem);
  }

  /**
   * Builds the table from symbols in executable sections; at one RVA the first external symbol wins, then the first
   * static one.
   */
  static SymbolTable of(List<CoffSymbol> symbols, List<Long> ends) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < symbols.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.<Integer>comparingLong(i -> symbols.get(i).rva())
        .thenComparing(i -> symbols.get(i).external() ? 0 : 1).thenComparingInt(i -> i));
    List<CoffSymbol> sorted = new ArrayList<>();
    List<Long> sortedEnds = new ArrayList<>();
    List<CoffSymbol> aliases = new ArrayList<>();
    for (int i : order) {
      CoffSymbol s = symbols.get(i);
      if (!sorted.isEmpty() && sorted.get(sorted.size() - 1).rva() == s.rva()) {
        aliases.add(s);
        continue;
      }
      sorted.add(s);
      sortedEnds.add(ends.get(i));
    }
    SymbolTable t = new SymbolTable(sorted, sortedEnds, null);
    for (CoffSymbol a : aliases) {
      t.byName.putIfAbsent(a.name(), a);
    }
    return t;
  }

  /** Code symbols sorted by RVA (one per RVA). */
  public List<CoffSymbol> symbols() {
    return byRva;
  }

  public boolean isEmpty() {
    return byRva.isEmpty();
  }

  /** Why the image's symbol table could not be read, if it could not. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /** The nearest symbol at or below {@code rva} in the same executable section, with the offset from it. */
  public Optional<SymbolHit> lookup(long rva) {
    int lo = 0;
    int hi = byRva.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (byRva.get(mid).rva() <= rva) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || rva >= sectionEnds.get(found)) {
      return Optional.empty();
    }
    CoffSymbol s = byRva.get(found);
    return Optional.of(new SymbolHit(s, rva - s.rva()));
  }

  /** The RVA of the code symbol named {@code name}. */
  public OptionalLong rvaOf(String name) {
    CoffSymbol s = byName.get(name);
    return s == null ? OptionalLong.empty() : OptionalLong.of(s.rva());
  }

  /** Every known function name, in RVA order (aliases after). */
  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
  }
}
