package org.efiemu.core.pe;

/** An RVA described by the nearest code symbol at or below it: {@code efi_main+0x12}. */
public record SymbolHit(CoffSymbol symbol, long offset) {
  @Override
  public String toString() {
    // String.format("%s+0x%X", ...) without the formatter's cost (a trace line per service call names its caller)
    return offset == 0 ? symbol.name() : symbol.name() + "+0x" + Long.toHexString(offset).toUpperCase(java.util.Locale.ROOT);
  }
}
