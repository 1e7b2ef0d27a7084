package org.efiemu.platform.importer;

import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * One descriptor read from a dump, with the line it came from (so later checks can name it).
 *
 * @param descriptor the descriptor
 * @param line 1-based line number in the dump
 */
public record DumpEntry(MemoryDescriptor descriptor, int line) {}
