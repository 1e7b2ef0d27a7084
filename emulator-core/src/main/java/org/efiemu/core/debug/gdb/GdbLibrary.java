package org.efiemu.core.debug.gdb;

/**
 * A loaded image as gdb's library list names it (GDB manual, "Library List Format").
 *
 * @param name the file name gdb opens (found through {@code set solib-search-path})
 * @param firstSectionAddress where the image's first section was loaded (load base + its VirtualAddress): gdb places
 *     the file's lowest section there and the others at the same offset
 */
public record GdbLibrary(String name, long firstSectionAddress) {
}
