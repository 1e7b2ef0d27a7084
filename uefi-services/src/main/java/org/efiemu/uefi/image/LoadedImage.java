package org.efiemu.uefi.image;

import org.efiemu.core.pe.PeImage;
import org.efiemu.uefi.spec.MemoryType;

/**
 * An image in guest memory.
 *
 * @param name file name, e.g. {@code strategy.efi}
 * @param pe the parsed file
 * @param base first byte of the loaded image (ImageBase of the LoadedImage protocol)
 * @param pages pages allocated for it
 * @param entryPoint guest address of the entry point
 * @param codeType ImageCodeType (EfiLoaderCode for applications, §7.4.1)
 * @param dataType ImageDataType
 */
public record LoadedImage(String name, PeImage pe, long base, long pages, long entryPoint, MemoryType codeType,
        MemoryType dataType) {

    /** SizeOfImage. */
    public long size() {
        return pe.sizeOfImage();
    }

    public boolean contains(long address) {
        return address >= base && address - base < size();
    }

    /** The nearest code symbol at or below {@code address} ({@code efi_main+0x12}), when the image keeps symbols. */
    public java.util.Optional<org.efiemu.core.pe.SymbolHit> symbolAt(long address) {
        return contains(address) ? pe.symbols().lookup(address - base) : java.util.Optional.empty();
    }

    /** The guest address of the code symbol {@code function}, if the image's symbol table has it. */
    public java.util.OptionalLong addressOf(String function) {
        var rva = pe.symbols().rvaOf(function);
        return rva.isPresent() ? java.util.OptionalLong.of(base + rva.getAsLong()) : java.util.OptionalLong.empty();
    }

    /** The source line whose code holds {@code address}, where the image carries DWARF line information. */
    public java.util.Optional<org.efiemu.core.dwarf.SourceLine> lineAt(long address) {
        return contains(address) ? pe.lines().lookup(address - base) : java.util.Optional.empty();
    }

    /**
     * {@code name+0xOFFSET <function+0xOFFSET (file.c:LINE)>}: the function where the image has a COFF symbol table,
     * the source line where it has DWARF line information ({@code gcc -g}), neither part otherwise.
     */
    public String describeWithSymbol(long address) {
        var symbol = symbolAt(address);
        var line = lineAt(address);
        if (symbol.isEmpty() && line.isEmpty()) return describe(address);
        String inside = symbol.map(Object::toString).orElse("")
                + line.map(l -> (symbol.isPresent() ? " (" + l + ")" : l.toString())).orElse("");
        return describe(address) + " <" + inside + ">";
    }

    /**
     * A call site given by its return address: as {@link #describeWithSymbol}, but the source line is the one of the
     * call instruction before it ({@code returnAddress - 1}), as debuggers show a caller's line.
     */
    public String describeCallSite(long returnAddress) {
        var symbol = symbolAt(returnAddress);
        var line = contains(returnAddress - 1) ? lineAt(returnAddress - 1) : java.util.Optional.<org.efiemu.core.dwarf.SourceLine>empty();
        if (symbol.isEmpty() && line.isEmpty()) return describe(returnAddress);
        String inside = symbol.map(Object::toString).orElse("")
                + line.map(l -> (symbol.isPresent() ? " (" + l + ")" : l.toString())).orElse("");
        return describe(returnAddress) + " <" + inside + ">";
    }

    /** {@code name+0xOFFSET}. */
    public String describe(long address) {
        return name + "+0x" + Long.toHexString(address - base).toUpperCase(java.util.Locale.ROOT); // %s+0x%X, cheaper
    }

    @Override
    public String toString() {
        return String.format("%s at 0x%X-0x%X (%s), entry %s", name, base, base + size() - 1, codeType,
                describe(entryPoint));
    }
}
