package org.efiemu.core.dwarf;

/**
 * DWARF data that does not follow the DWARF 4 / DWARF 5 specification; the message names the section, the byte offset
 * and what was expected there. Callers turn it into an empty {@link LineTable} carrying the message.
 */
public final class DwarfFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public DwarfFormatException(String message) {
    super(message);
  }
}
