package org.efiemu.core.engine;

import java.util.EnumSet;
import java.util.Set;

/** Page permissions of {@code uc_mem_map}/{@code uc_mem_protect} ({@code UC_PROT_*}). */
public enum Perm {
  READ(1), WRITE(2), EXEC(4);

  /** Read, write and execute. */
  public static final Set<Perm> ALL = java.util.Collections.unmodifiableSet(EnumSet.allOf(Perm.class));

  private final int bit;

  Perm(int bit) {
    this.bit = bit;
  }

  /** The {@code UC_PROT_*} bits of a set. */
  public static int bits(Set<Perm> perms) {
    int b = 0;
    for (Perm p : perms) b |= p.bit;
    return b;
  }

  /** The set of a {@code UC_PROT_*} mask. */
  public static EnumSet<Perm> of(int bits) {
    EnumSet<Perm> s = EnumSet.noneOf(Perm.class);
    for (Perm p : values()) if ((bits & p.bit) != 0) s.add(p);
    return s;
  }

  /** "RWX" style text, '-' for a missing permission. */
  public static String text(Set<Perm> perms) {
    return (perms.contains(READ) ? "R" : "-") + (perms.contains(WRITE) ? "W" : "-")
        + (perms.contains(EXEC) ? "X" : "-");
  }
}
