package org.efiemu.core.pe;

/**
 * One base relocation entry (PE/COFF spec §6.6 "The .reloc Section (Image Only)").
 *
 * @param type what to patch
 * @param rva the patched field's RVA: the block's page RVA plus the entry's 12-bit offset
 */
public record PeRelocation(RelocationType type, long rva) {
  @Override
  public String toString() {
    return String.format("%s @ RVA 0x%X", type, rva);
  }
}
