package org.efiemu.core.debug.gdb;

/**
 * General queries and settings: {@code qSupported}, {@code qXfer:features:read}, {@code qAttached}, {@code qC},
 * thread lists (one thread, id 1), {@code QStartNoAckMode}, {@code H}/{@code T} thread packets and
 * {@code vMustReplyEmpty}; any other {@code q}/{@code Q}/{@code v} packet gets the empty "unsupported" reply.
 */
final class QueryPackets implements PacketFamily {
  static final String NO_ACK = "QStartNoAckMode";
  private static final String FEATURES = "qXfer:features:read:";

  @Override
  public String reply(GdbSession s, String p) {
    if (p.startsWith("qSupported")) {
      return "PacketSize=" + Integer.toHexString(PacketChannel.MAX_PAYLOAD) + ";qXfer:features:read+;QStartNoAckMode+;vContSupported+"
          + (s.target.listsLibraries() ? ";qXfer:libraries:read+" : "")
          + (s.target.reversible() ? ";ReverseStep+;ReverseContinue+" : "");
    }
    if (p.startsWith(FEATURES)) return features(p.substring(FEATURES.length()));
    if (p.equals(NO_ACK)) return "OK";
    if (p.startsWith("qAttached")) return "1";
    if (p.equals("qC")) return "QC1";
    if (p.equals("qfThreadInfo")) return "m1";
    if (p.equals("qsThreadInfo")) return "l";
    if (p.startsWith("qSymbol")) return "OK";
    if (p.startsWith("H") || p.startsWith("T")) return "OK";
    if (p.startsWith("q") || p.startsWith("Q") || (p.startsWith("v") && !p.startsWith("vCont"))) return "";
    return null;
  }

  /** {@code annex:offset,length}: {@code m} + a part, or {@code l} + the last part. */
  private static String features(String args) {
    int colon = args.indexOf(':');
    if (colon < 0) return "E00";
    if (!args.substring(0, colon).equals("target.xml")) return "E00";
    String[] a = args.substring(colon + 1).split(",");
    String xml = TargetDescription.xml();
    return part(xml, Hex.number(a[0]), Hex.number(a[1]));
  }

  /** One {@code qXfer} read of {@code text}: {@code m} + a part, or {@code l} + the last part. */
  static String part(String text, long offset, long length) {
    if (offset < 0 || length < 0) return "E00";
    if (offset >= text.length()) return "l";
    int end = (int) Math.min(text.length(), offset + length);
    return (end == text.length() ? "l" : "m") + Hex.escape(text.substring((int) offset, end));
  }
}
