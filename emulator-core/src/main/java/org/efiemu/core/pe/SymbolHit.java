package org.efiemu.core.pe;

/** An RVA described by the nearest code symbol at or below it: {@code efi_main+0x12}. */
public record SymbolHit(CoffSymbol symbol, long offset) {
  @Override
  public String toString() {
    return offset == 0 ? symbol.name() : String.format("%s+0x%X", symbol.name(), offset);
  }
}
