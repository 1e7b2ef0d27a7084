package org.efiemu.core.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.Hooks.InvalidMemoryHook;
import org.efiemu.core.engine.Hooks.MmioHandler;
import org.efiemu.core.engine.MemAccess;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.memory.PhysicalLayout.Kind;
import org.efiemu.core.memory.PhysicalLayout.Region;

/**
 * The engine's physical memory for a {@link PhysicalLayout}.
 *
 * <p>RAM is mapped into Unicorn lazily, one chunk ({@link #chunkSize()}, clipped to its RAM region) at a time, over
 * host memory the engine owns ({@link Engine#mapHost}: protection changes then split regions without copying them,
 * and host reads and writes are plain copies):
 * when the guest touches an unmapped RAM address the {@code UC_HOOK_MEM_*_UNMAPPED} hook maps the chunk and the
 * access is retried; host writes map chunks the same way; host reads of untouched RAM return zeros without
 * mapping anything. A guest access to an address that is neither RAM nor a device is refused and recorded as a
 * {@link GuestFault} ({@link #lastFault()}), which ends the run. Device ranges are mapped with {@code uc_mmio_map}
 * lazily too, 64 KiB at a time on the guest's first access; an attached {@link MmioHandler} serves them, an
 * unattached one reads as all ones and drops writes (an open bus).
 */
public final class PhysicalMemory {
  /** Default lazy-mapping granule. */
  public static final long DEFAULT_CHUNK = 64 * 1024;

  /**
   * Once {@link #EXTENT_AFTER_CHUNKS} chunks are mapped, a guest access to unmapped RAM maps every unmapped chunk of
   * the 2 MiB-aligned extent around it (clipped to its RAM region) as one engine region, not just its own chunk.
   * Why: every Unicorn region costs on the hot path. Unicorn 2.0.1 sends every guest store through its slow store
   * path, which finds the store's region with {@code memory_mapping} (a one-entry cache, then a binary search over
   * all regions), and every translation-block lookup that misses the jump cache finds the RAM block with
   * {@code qemu_ram_block_from_host} (a list walk). A loader that touches tens of MiB (GRUB inflating its memdisk,
   * Xen, a kernel: 932 regions of 64 KiB by Xen's ExitBootServices) spent about 20 % of its CPU time there
   * (docs/performance.md, "GRUB -> Xen at engine speed"). Small payloads (up to 64 chunks: 4 MiB) keep the exact
   * 64 KiB granule, so their snapshots copy no more than before. Host writes always map exactly the chunks they
   * touch. The chunks stay the bookkeeping unit ({@link #mappedChunks()}, snapshots, sanitizer); only which ones
   * get mapped together changes, and that depends on the guest's accesses alone, so runs stay deterministic.
   */
  public static final long GUEST_EXTENT = 2L << 20;

  /** Mapped chunks from which a guest access maps its whole {@link #GUEST_EXTENT} (see there). */
  public static final int EXTENT_AFTER_CHUNKS = 64;

  private final Engine engine;
  private final PhysicalLayout layout;
  private final long chunkSize;
  /** Mapped chunks: base to size. */
  private final TreeMap<Long, Long> chunks = new TreeMap<>();
  private final Map<String, MmioHandler> devices = new HashMap<>();
  private final List<ChunkListener> chunkListeners = new ArrayList<>();
  /** A page of zeros to compare with (never written). */
  private final byte[] zeroPage = new byte[(int) PhysicalLayout.PAGE];
  private GuestFault lastFault;
  /**
   * The mapped chunk the last host access found ({@code [hotBase, hotEnd)}; empty after an unmap): host reads and
   * writes of the firmware model come in runs inside one chunk, and one inside it needs neither the RAM check nor a
   * chunk lookup (a mapped chunk lies inside a RAM region).
   */
  private long hotBase;
  private long hotEnd;

  /**
   * Told when a RAM chunk is mapped (lazily, on first touch), after it is mapped with all permissions and before
   * the access that caused it is retried, so a write sanitizer can protect the pages it watches in that chunk.
   */
  @FunctionalInterface
  public interface ChunkListener {
    void mapped(long base, long size);
  }

  /**
   * Declares the layout's memory in {@code engine}.
   *
   * @param chunkSize lazy-mapping granule, a power of two of at least 4 KiB
   */
  public PhysicalMemory(Engine engine, PhysicalLayout layout, long chunkSize) {
    if (chunkSize < PhysicalLayout.PAGE || Long.bitCount(chunkSize) != 1) {
      throw new IllegalArgumentException("chunkSize 0x" + Long.toHexString(chunkSize)
          + " must be a power of two >= 0x1000");
    }
    this.engine = engine;
    this.layout = layout;
    this.chunkSize = chunkSize;
    engine.addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_UNMAPPED, this::onUnmapped);
  }

  /**
   * Maps the {@link #DEFAULT_CHUNK}-aligned piece of device range {@code r} holding {@code address} as MMIO (once).
   * Device ranges are mapped lazily, as RAM is, on the guest's first access there: a declared device range can be
   * gigabytes (PCI windows, flash), and every mapped page costs when the engine unmaps it ({@code uc_mem_unmap}
   * flushes the TLB and the jump cache page by page, which a {@link org.efiemu.core.engine.ReusableEngine} does for
   * each machine); a guest that never touches a device costs nothing.
   */
  private void mapDevice(Region r, long address) {
    long start = Math.max(r.base(), address & -DEFAULT_CHUNK);
    long stop = Math.min(r.end(), (address & -DEFAULT_CHUNK) + DEFAULT_CHUNK);
    if (deviceChunks.containsKey(start)) return;
    engine.mapMmio(start, stop - start, dispatcher(r, start - r.base()));
    deviceChunks.put(start, stop - start);
  }

  /** Device pieces mapped so far (base to size). */
  private final TreeMap<Long, Long> deviceChunks = new TreeMap<>();

  private MmioHandler dispatcher(Region r, long delta) {
    return new MmioHandler() {
      @Override
      public long read(long offset, int size) throws Exception {
        MmioHandler h = devices.get(r.name());
        return h != null ? h.read(delta + offset, size) : (size >= 8 ? -1L : (1L << (8 * size)) - 1);
      }

      @Override
      public void write(long offset, int size, long value) throws Exception {
        MmioHandler h = devices.get(r.name());
        if (h != null) h.write(delta + offset, size, value);
      }
    };
  }

  /** Serves the declared device range named {@code name} with {@code handler}. */
  public void attachDevice(String name, MmioHandler handler) {
    boolean declared = layout.regions().stream().anyMatch(r -> r.kind() == Kind.DEVICE && r.name().equals(name));
    if (!declared) throw new IllegalArgumentException("no device range named '" + name + "' in " + layout);
    devices.put(name, handler);
  }

  private boolean onUnmapped(MemAccess access, long address, int size, long value) {
    long len = Math.max(size, 1);
    Region device = layout.regionAt(address).filter(r -> r.kind() == Kind.DEVICE).orElse(null);
    if (device != null) {
      mapDevice(device, address);
      Region last = layout.regionAt(address + len - 1).filter(r -> r.kind() == Kind.DEVICE).orElse(null);
      if (last != null) mapDevice(last, address + len - 1);
      return true;
    }
    if (layout.isRam(address, len)) {
      if (chunks.size() >= EXTENT_AFTER_CHUNKS && chunkSize < GUEST_EXTENT) {
        mapExtent(address);
        mapExtent(address + len - 1);
      } else {
        ensureMapped(address, len);
      }
      return true;
    }
    if (lastFault == null) {
      String where = layout.regionAt(address).map(Region::toString).orElse("no RAM or device declared there");
      lastFault = new GuestFault(access, address, size, value, "not RAM (" + where + ")");
    }
    return false;
  }

  /**
   * Maps the unmapped chunks of the {@link #GUEST_EXTENT}-aligned extent holding RAM address {@code address},
   * clipped to its RAM region: adjacent chunks become one engine region ({@link #mapRun}).
   */
  private void mapExtent(long address) {
    Region r = layout.regionAt(address).orElseThrow();
    long start = Math.max(r.base(), address & -GUEST_EXTENT);
    long stop = Math.min(r.end(), (address & -GUEST_EXTENT) + GUEST_EXTENT);
    mapMissing(start, stop - start);
  }

  /** The layout this memory implements. */
  public PhysicalLayout layout() {
    return layout;
  }

  /** The lazy-mapping granule. */
  public long chunkSize() {
    return chunkSize;
  }

  /** The engine this memory lives in. */
  public Engine engine() {
    return engine;
  }

  /** The first refused guest access since {@link #clearFault()}, or null. */
  public GuestFault lastFault() {
    return lastFault;
  }

  /** Forgets the last fault (done at the start of every run). */
  public void clearFault() {
    lastFault = null;
  }

  /**
   * Maps every RAM chunk overlapping {@code [address, address+length)}; the range must be RAM. Adjacent unmapped
   * chunks are mapped with one {@link Engine#mapHost} (each Unicorn region makes later map, protect, protected-page
   * write and close calls slower); they still count, report and unmap as separate chunks.
   */
  public void ensureMapped(long address, long length) {
    mapMissing(address, length);
  }

  /** {@link #ensureMapped}, returning the chunks it mapped ({@code [base, size]}, ascending). */
  private List<long[]> mapMissing(long address, long length) {
    if (inHotChunk(address, length)) return List.of();
    if (!layout.isRam(address, length)) {
      throw new GuestMemoryException(address, length, "is not RAM in " + layout);
    }
    long a = address;
    long end = address + length;
    List<long[]> run = new ArrayList<>();
    List<long[]> fresh = new ArrayList<>();
    long granule = granule();
    while (a < end) {
      Map.Entry<Long, Long> mapped = chunks.floorEntry(a);
      if (mapped != null && a - mapped.getKey() < mapped.getValue()) {
        a = mapped.getKey() + mapped.getValue();
        hotBase = mapped.getKey();
        hotEnd = a;
        continue;
      }
      Region r = layout.regionAt(a).orElseThrow();
      long start = Math.max(r.base(), a & -granule);
      if (mapped != null) start = Math.max(start, mapped.getKey() + mapped.getValue());
      long stop = Math.min(r.end(), (a & -granule) + granule);
      Long next = chunks.higherKey(a);
      if (next != null) stop = Math.min(stop, next);
      if (!run.isEmpty() && run.get(run.size() - 1)[0] + run.get(run.size() - 1)[1] != start) mapRun(run, fresh);
      run.add(new long[] {start, stop - start});
      a = stop;
    }
    mapRun(run, fresh);
    for (long[] c : fresh) {
      for (ChunkListener l : List.copyOf(chunkListeners)) l.mapped(c[0], c[1]);
    }
    return fresh;
  }

  /** True when {@code [address, address+length)} is non-empty and inside the chunk {@link #hotBase} names. */
  private boolean inHotChunk(long address, long length) {
    return length > 0 && address >= hotBase && length <= hotEnd - address;
  }

  /**
   * The granule of new chunks: {@link #chunkSize()} at first, 32 times larger after every 512 chunks (up to three
   * times). Unicorn 2.0.1 aborts the whole process when its address space holds 4096 sections
   * ({@code qemu/exec.c phys_section_add}: "Assertion `map->sections_nb < TARGET_PAGE_SIZE' failed"), and every
   * separately mapped chunk is one; a guest (or a service such as SetMem) touching 256 MiB in 64 KiB chunks reached
   * it (found by {@code ServiceAbiFuzzTest}). Growing the granule keeps the count near 2 000 for any RAM size.
   */
  private long granule() {
    int step = Math.min(3, chunks.size() / 512);
    return chunkSize << (5 * step);
  }

  /** Maps adjacent chunks {@code run} as one engine region, records them, moves them to {@code done}. */
  private void mapRun(List<long[]> run, List<long[]> done) {
    if (run.isEmpty()) return;
    long[] last = run.get(run.size() - 1);
    engine.mapHost(run.get(0)[0], last[0] + last[1] - run.get(0)[0], Perm.ALL);
    for (long[] c : run) chunks.put(c[0], c[1]);
    done.addAll(run);
    run.clear();
  }

  /** Hears every write by host code ({@link #write}: the firmware model, loaders), before it lands. */
  public interface HostWriteListener {
    void written(long address, int length);
  }

  private final List<HostWriteListener> hostWriteListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a listener for host writes (e.g. a sanitizer checking where a service writes its OUT parameters). */
  public void addHostWriteListener(HostWriteListener l) {
    hostWriteListeners.add(java.util.Objects.requireNonNull(l, "listener"));
  }

  public void removeHostWriteListener(HostWriteListener l) {
    hostWriteListeners.remove(l);
  }

  /** Adds a listener for chunks mapped from now on (chunks already mapped are in {@link #mappedChunks()}). */
  public void addChunkListener(ChunkListener l) {
    chunkListeners.add(java.util.Objects.requireNonNull(l, "listener"));
  }

  public void removeChunkListener(ChunkListener l) {
    chunkListeners.remove(l);
  }

  /** True when the chunk holding {@code address} has been mapped. */
  public boolean isMapped(long address) {
    Map.Entry<Long, Long> e = chunks.floorEntry(address);
    return e != null && address - e.getKey() < e.getValue();
  }

  /**
   * The lowest address {@code b <= address} such that all of {@code [b, address]} is RAM that was never touched (no
   * chunk of it is mapped, so it reads as zeros); {@code address + 1} when {@code address} itself is not such RAM.
   * Lets a backward scan for non-zero data (a PE header search) jump over untouched RAM instead of reading it page
   * by page.
   */
  public long untouchedRamFloor(long address) {
    long a = address;
    while (a >= 0) {
      Region r = layout.regionAt(a).orElse(null);
      if (r == null || r.kind() != Kind.RAM || isMapped(a)) return a + 1;
      Map.Entry<Long, Long> below = chunks.lowerEntry(a);
      long floor = below == null ? r.base() : Math.max(r.base(), below.getKey() + below.getValue());
      if (floor > r.base() || r.base() == 0) return floor;
      a = r.base() - 1; // the region ends here: the one below may go on (untouched RAM)
      if (layout.regionAt(a).filter(x -> x.kind() == Kind.RAM).isEmpty() || isMapped(a)) return r.base();
    }
    return 0;
  }

  /** Number of mapped RAM bytes (what the layout costs so far). */
  public long mappedBytes() {
    return chunks.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The mapped chunks as {@code [base, size]} pairs, ascending. */
  public List<long[]> mappedChunks() {
    List<long[]> out = new ArrayList<>(chunks.size());
    chunks.forEach((b, s) -> out.add(new long[] {b, s}));
    return out;
  }

  /** Unmaps one chunk previously returned by {@link #mappedChunks()} (used by snapshot restore). */
  public void unmapChunk(long base) {
    Long size = chunks.remove(base);
    if (size == null) throw new IllegalArgumentException(String.format("no mapped chunk at 0x%X", base));
    hotBase = 0;
    hotEnd = 0;
    engine.unmap(base, size);
  }

  /**
   * Bytes host code has read from and written to RAM so far ({@link #read} and {@link #write}, whether they mapped
   * anything or not): a deterministic measure of the host work done on the guest's behalf, which a run budget
   * charges per service call.
   */
  public long hostBytesMoved() {
    return hostBytesMoved;
  }

  private long hostBytesMoved;

  /** Reads RAM; never-touched RAM reads as zeros. Throws {@link GuestMemoryException} outside RAM. */
  public void read(long address, byte[] buffer, int offset, int length) {
    if (length == 0) return;
    if (inHotChunk(address, length)) {
      hostBytesMoved += length;
      engine.read(address, buffer, offset, length);
      return;
    }
    if (!layout.isRam(address, length)) throw new GuestMemoryException(address, length, "is not RAM");
    hostBytesMoved += length;
    long a = address;
    int off = offset;
    int left = length;
    while (left > 0) {
      Map.Entry<Long, Long> e = chunks.floorEntry(a);
      boolean mapped = e != null && a - e.getKey() < e.getValue();
      long pieceEnd;
      if (mapped) {
        pieceEnd = e.getKey() + e.getValue();
        hotBase = e.getKey();
        hotEnd = pieceEnd;
      } else {
        Long next = chunks.higherKey(a);
        pieceEnd = next == null ? a + left : next;
      }
      int n = (int) Math.min(left, pieceEnd - a);
      if (mapped) engine.read(a, buffer, off, n);
      else java.util.Arrays.fill(buffer, off, off + n, (byte) 0);
      a += n;
      off += n;
      left -= n;
    }
  }

  /**
   * {@link #read} without charging {@link #hostBytesMoved()}: for a scan that reads ahead of what it consumes (a
   * block while looking for a terminator) and then {@link #chargeHostBytes charges} what it used, so the count is
   * the same as reading the consumed part element by element.
   */
  public void readUncharged(long address, byte[] buffer, int offset, int length) {
    read(address, buffer, offset, length);
    hostBytesMoved -= length;
  }

  /** Adds {@code bytes} to {@link #hostBytesMoved()} (what a {@link #readUncharged} scan consumed). */
  public void chargeHostBytes(long bytes) {
    hostBytesMoved += bytes;
  }

  /**
   * Writes RAM, mapping chunks as needed. Throws {@link GuestMemoryException} outside RAM. Pages of a chunk this
   * write mapped are zero already ({@link Engine#mapHost} gives zeroed anonymous memory), so all-zero pages of
   * {@code bytes} that land there are not copied: loading a mostly-zero image touches only its non-zero pages.
   */
  public void write(long address, byte[] bytes, int offset, int length) {
    if (length == 0) return;
    hostBytesMoved += length;
    if (!hostWriteListeners.isEmpty()) {
      for (HostWriteListener l : hostWriteListeners) l.written(address, length);
    }
    List<long[]> fresh = mapMissing(address, length);
    if (fresh.isEmpty()) {
      engine.write(address, bytes, offset, length);
      return;
    }
    long end = address + length;
    long pending = address;
    for (long[] c : fresh) {
      long page = Math.max(c[0], address + PhysicalLayout.PAGE - 1 & -PhysicalLayout.PAGE);
      long stop = Math.min(c[0] + c[1], end & -PhysicalLayout.PAGE);
      for (; page + PhysicalLayout.PAGE <= stop; page += PhysicalLayout.PAGE) {
        int from = offset + (int) (page - address);
        if (!isZero(bytes, from, PhysicalLayout.PAGE)) continue;
        if (page > pending) engine.write(pending, bytes, offset + (int) (pending - address), (int) (page - pending));
        pending = page + PhysicalLayout.PAGE;
      }
    }
    if (end > pending) engine.write(pending, bytes, offset + (int) (pending - address), (int) (end - pending));
  }

  private boolean isZero(byte[] b, int from, long length) {
    return java.util.Arrays.mismatch(b, from, from + (int) length, zeroPage, 0, (int) length) < 0;
  }

  /**
   * Changes the protection of RAM pages ({@code uc_mem_protect}), mapping them first. A write sanitizer
   * write-protects pages, receives {@link MemAccess#WRITE_PROT} through {@link #onProtectionFault}, records it,
   * unprotects the page and returns {@code true} so that the write is retried.
   */
  public void protect(long address, long length, Set<Perm> perms) {
    if (address % PhysicalLayout.PAGE != 0 || length % PhysicalLayout.PAGE != 0) {
      throw new IllegalArgumentException(String.format(
          "protect [0x%X, +0x%X): address and length must be 4 KiB aligned", address, length));
    }
    ensureMapped(address, length);
    engine.protect(address, length, perms);
  }

  /**
   * Receives guest accesses refused by page protection ({@code UC_HOOK_MEM_*_PROT}); the handler returns
   * {@code true} after lifting the protection to retry the access. Close the hook to stop receiving them.
   */
  public Hook onProtectionFault(InvalidMemoryHook handler) {
    return engine.addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_PROT, handler);
  }
}
