package org.efiemu.core.debug.gdb;

import java.io.IOException;

/** The packets of one family (registers, memory, ...): a reply, or null when the packet is not of this family. */
interface PacketFamily {
  String reply(GdbSession session, String packet) throws IOException;
}
