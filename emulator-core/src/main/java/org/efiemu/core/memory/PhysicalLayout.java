package org.efiemu.core.memory;

import com.google.common.collect.ImmutableRangeMap;
import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The physical address space of a machine: declared RAM ranges and device (MMIO) ranges, 4 KiB aligned and
 * non-overlapping. Declaring RAM costs nothing; {@link PhysicalMemory} backs it on first touch, so a profile with
 * 1.5 TiB of RAM is fine.
 */
public final class PhysicalLayout {
  /** Page size of every boundary. */
  public static final long PAGE = 0x1000;

  /** What lives in a range. */
  public enum Kind { RAM, DEVICE }

  /** One declared range {@code [base, base+size)}. */
  public record Region(Kind kind, String name, long base, long size) {
    /** One past the last byte. */
    public long end() {
      return base + size;
    }

    public boolean contains(long address) {
      return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, end()) < 0;
    }

    @Override
    public String toString() {
      return String.format("%s %s [0x%X, 0x%X)", kind, name, base, end());
    }
  }

  private final List<Region> list;
  /**
   * The regions ascending ({@link #list}) and their bases: a lookup is a binary search over plain longs (the range
   * map it was built from boxes and compares cuts, and host memory accesses ask for every access).
   */
  private final Region[] byBase;
  private final long[] bases;

  private PhysicalLayout(RangeMap<Long, Region> regions) {
    this.list = List.copyOf(ImmutableRangeMap.copyOf(regions).asMapOfRanges().values());
    this.byBase = list.toArray(new Region[0]);
    this.bases = new long[byBase.length];
    for (int i = 0; i < byBase.length; i++) bases[i] = byBase[i].base();
  }

  /** The region holding {@code address} (non-negative), or null. */
  private Region find(long address) {
    int lo = 0;
    int hi = bases.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (bases[mid] <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return null;
    Region r = byBase[hi];
    return address < r.end() ? r : null;
  }

  /** A builder for a layout. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every region, ascending by address. */
  public List<Region> regions() {
    return list;
  }

  /** The region holding {@code address}, if any. */
  public Optional<Region> regionAt(long address) {
    if (address < 0) return Optional.empty();
    return Optional.ofNullable(find(address));
  }

  /** True when every byte of {@code [address, address+length)} is declared RAM. */
  public boolean isRam(long address, long length) {
    return covered(address, length, Kind.RAM);
  }

  /** True when every byte of {@code [address, address+length)} is in one declared device range. */
  public boolean isDevice(long address, long length) {
    return covered(address, length, Kind.DEVICE);
  }

  private boolean covered(long address, long length, Kind kind) {
    if (length <= 0 || address < 0 || address + length < address) return length == 0;
    long a = address;
    long end = address + length;
    while (a < end) {
      Region r = find(a);
      if (r == null || r.kind() != kind) return false;
      if (kind == Kind.DEVICE && r.end() < end) return false;
      a = r.end();
    }
    return true;
  }

  /** One past the highest declared address. */
  public long top() {
    return list.isEmpty() ? 0 : list.get(list.size() - 1).end();
  }

  /** Total declared RAM in bytes. */
  public long ramBytes() {
    return list.stream().filter(r -> r.kind() == Kind.RAM).mapToLong(Region::size).sum();
  }

  @Override
  public String toString() {
    return "PhysicalLayout" + list;
  }

  /** Collects regions; {@link #build()} rejects overlaps. */
  public static final class Builder {
    private final TreeRangeMap<Long, Region> map = TreeRangeMap.create();

    /** Declares RAM {@code [base, base+size)}. */
    public Builder ram(long base, long size) {
      return add(new Region(Kind.RAM, "ram", base, size));
    }

    /** Declares a named device (MMIO) range. */
    public Builder device(String name, long base, long size) {
      return add(new Region(Kind.DEVICE, name, base, size));
    }

    private Builder add(Region r) {
      if (r.base() < 0 || r.size() <= 0 || r.base() % PAGE != 0 || r.size() % PAGE != 0 || r.end() < 0) {
        throw new IllegalArgumentException(String.format(
            "PhysicalLayout: %s [base 0x%X, size 0x%X] must be 4 KiB aligned, non-empty and below 2^63", r.kind(),
            r.base(), r.size()));
      }
      Range<Long> range = Range.closedOpen(r.base(), r.end());
      Map<Range<Long>, Region> clash = map.subRangeMap(range).asMapOfRanges();
      if (!clash.isEmpty()) {
        throw new IllegalArgumentException("PhysicalLayout: " + r + " overlaps " + clash.values().iterator().next());
      }
      map.put(range, r);
      return this;
    }

    public PhysicalLayout build() {
      List<Region> rs = new ArrayList<>(map.asMapOfRanges().values());
      if (rs.isEmpty()) throw new IllegalArgumentException("PhysicalLayout: no RAM or device declared");
      return new PhysicalLayout(map);
    }
  }
}
