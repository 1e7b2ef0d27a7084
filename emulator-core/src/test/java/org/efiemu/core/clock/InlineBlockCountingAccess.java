package org.efiemu.core.clock;

/** Test access to {@link InlineBlockCounting}'s package-private checks. */
public final class InlineBlockCountingAccess {
  private InlineBlockCountingAccess() {}

  public static String check(long anyFunction) {
    return InlineBlockCounting.check(anyFunction);
  }

  public static InlineBlockCounting.Status load(String property) {
    return InlineBlockCounting.load(property);
  }
}
