package org.efiemu.core.machine;

/**
 * State an upper layer keeps outside guest memory (memory map, handle database, ...) that must travel with a
 * {@link Snapshot}. {@link #save()} returns an immutable (or private) copy; {@link #restore(Object)} gets it back.
 */
public interface SnapshotParticipant {
  /** A unique key, e.g. the class name. */
  String key();

  Object save();

  void restore(Object state);
}
