package org.efiemu.core.debug.gdb;

import java.util.List;

/**
 * Where the images are: {@code qOffsets} (the main executable's load offset, so {@code file x.efi} symbols match a
 * relocated image: {@code Text=}, {@code Data=}, {@code Bss=} all the same, PE images move as one piece) and
 * {@code qXfer:libraries:read} (the other loaded images, GDB manual "Library List Format", one segment each); and
 * {@code !}, extended mode, after which the server accepts the next gdb when this one detaches.
 */
final class LibraryPackets implements PacketFamily {
  private static final String LIBRARIES = "qXfer:libraries:read::";

  @Override
  public String reply(GdbSession s, String p) {
    if (p.equals("!")) { // extended mode (gdb's target extended-remote)
      s.extended = true;
      return "OK";
    }
    if (p.equals("qOffsets")) {
      var offset = s.target.mainOffset();
      if (offset.isEmpty()) return "";
      long o = offset.getAsLong();
      return String.format("Text=%x;Data=%x;Bss=%x", o, o, o);
    }
    if (p.startsWith(LIBRARIES)) {
      String[] a = p.substring(LIBRARIES.length()).split(",");
      if (a.length != 2) return "E00";
      return QueryPackets.part(xml(s.target.libraries()), Hex.number(a[0]), Hex.number(a[1]));
    }
    return null;
  }

  static String xml(List<GdbLibrary> libraries) {
    StringBuilder sb = new StringBuilder("<library-list>\n");
    for (GdbLibrary l : libraries) {
      sb.append(String.format("  <library name=\"%s\"><segment address=\"0x%x\"/></library>%n", escape(l.name()),
          l.firstSectionAddress()));
    }
    return sb.append("</library-list>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
