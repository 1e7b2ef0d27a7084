package org.efiemu.uefi.boot;

import org.efiemu.uefi.runtime.RuntimeAbi;

/**
 * The ABI adapters of one machine, grouped by service family; {@link ServiceBindings} maps each table slot to one of
 * their methods. New service families (events, variables, images) add a component here and their lines there.
 */
public record Adapters(MemoryAbi memory, MiscAbi misc, ProtocolAbi protocols, RuntimeAbi runtime) {}
