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
      return "PacketSize=" + Integer.toHexString(PacketChannel.MAX_PAYLOAD) + ";qXfer:features:read+;QStartNoAckMode+;vContSupported+";
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
    int off = (int) Hex.number(a[0]);
    int len = (int) Hex.number(a[1]);
    if (off >= xml.length()) return "l";
    int end = Math.min(xml.length(), off + len);
    return (end == xml.length() ? "l" : "m") + Hex.escape(xml.substring(off, end));
  }
}
