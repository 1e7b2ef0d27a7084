package org.efiemu.uefi.boot;

import org.efiemu.uefi.runtime.RuntimeAbi;
import org.efiemu.uefi.runtime.TimeAbi;
import org.efiemu.uefi.runtime.VariableAbi;
import org.efiemu.uefi.runtime.VirtualMemoryAbi;

/**
 * The ABI adapters of one machine, grouped by service family; {@link ServiceBindings} maps each table slot to one of
 * their methods. New service families (events, variables, images) add a component here and their lines there.
 */
public record Adapters(MemoryAbi memory, MiscAbi misc, ProtocolAbi protocols, RuntimeAbi runtime, EventAbi events,
        HandleAbi handles, ImageAbi images, TimeAbi time, VariableAbi variables, VirtualMemoryAbi virtualMemory) {}
