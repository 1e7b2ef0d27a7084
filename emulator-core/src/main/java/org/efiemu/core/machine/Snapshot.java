package org.efiemu.core.machine;

import java.util.List;
import java.util.Map;

/**
 * A machine's state at one moment, for a debugger's back-step: the CPU context ({@code uc_context}), a copy of
 * every mapped RAM chunk (never-touched RAM is not copied: it is zero), the virtual clock, the serial output length
 * and the upper layers' state. Only the machine that made it can restore it.
 */
public final class Snapshot {
  /** One mapped chunk's contents. */
  record Chunk(long base, byte[] bytes) {}

  final Object owner;
  final byte[] cpu;
  final List<Chunk> chunks;
  final long[] clock;
  final int serialLength;
  final Map<String, Object> extensions;

  Snapshot(Object owner, byte[] cpu, List<Chunk> chunks, long[] clock, int serialLength,
      Map<String, Object> extensions) {
    this.owner = owner;
    this.cpu = cpu;
    this.chunks = chunks;
    this.clock = clock;
    this.serialLength = serialLength;
    this.extensions = extensions;
  }

  /** Bytes of guest RAM held. */
  public long ramBytes() {
    return chunks.stream().mapToLong(c -> c.bytes().length).sum();
  }

  /** Virtual instructions at the snapshot. */
  public long instructions() {
    return clock[0];
  }

  /** State saved by the participant with {@code key}, or null. */
  public Object extension(String key) {
    return extensions.get(key);
  }
}
