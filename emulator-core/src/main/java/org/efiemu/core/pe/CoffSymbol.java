package org.efiemu.core.pe;

/**
 * A code symbol of an image's COFF symbol table (PE/COFF spec §5.4): a function or label in an executable section.
 *
 * @param name the symbol's name (short names inline, long names from the string table, §5.4.1 and §5.6)
 * @param rva the symbol's RVA: its section's VirtualAddress plus the symbol's Value (§5.4.2)
 * @param external storage class IMAGE_SYM_CLASS_EXTERNAL (2), else STATIC (3, a file-local function)
 */
public record CoffSymbol(String name, long rva, boolean external) {
}
