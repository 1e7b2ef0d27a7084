/**
 * The firmware's memory services as a pure model (no emulator): EDK2's {@code MdeModulePkg/Core/Dxe/Mem/Page.c} and
 * {@code Pool.c} semantics, checked against OVMF 2022.11 measurements.
 *
 * <ul>
 *   <li>{@link org.efiemu.uefi.memory.MemoryMap} — AllocatePages, FreePages, GetMemoryMap
 *       ({@link org.efiemu.uefi.memory.MemoryMapSnapshot}: descriptors, MapKey, EDK2's required size, byte
 *       serializer), the memory-map side of ExitBootServices, and page ownership
 *       ({@link org.efiemu.uefi.memory.PageOwner}, {@link org.efiemu.uefi.memory.OwnerRun},
 *       {@link org.efiemu.uefi.memory.OwnershipListener}). Built with {@link org.efiemu.uefi.memory.MemoryMapBuilder}
 *       from a platform's map at application entry.</li>
 *   <li>{@link org.efiemu.uefi.memory.PlacementRules} — {@code edk2-topdown}, {@code bottom-up}, {@code low-first}
 *       from a {@link org.efiemu.uefi.spec.PlacementSpec}, with memory-type bins
 *       ({@link org.efiemu.uefi.memory.MemoryTypeBin}).</li>
 *   <li>{@link org.efiemu.uefi.memory.PoolAllocator} — AllocatePool/FreePool with EDK2's block layout, bins and carve
 *       order; head and tail words go to a {@link org.efiemu.uefi.memory.PoolMemory} (guest memory, or
 *       {@link org.efiemu.uefi.memory.SparsePoolMemory}).</li>
 * </ul>
 *
 * <pre>{@code
 * MemoryMap map = MemoryMap.builder(platform.memoryMap()).placement(platform.placement()).build();
 * PoolAllocator pool = new PoolAllocator(map, guestPoolMemory);
 * long tramp = map.allocatePages(AllocateType.AllocateMaxAddress, MemoryType.EfiLoaderData.value(), 16, 0x100000,
 *         AllocationTag.application(callerRip).withLabel("trampoline"));      // 0x90000 on OVMF
 * long buf = pool.allocatePool(MemoryType.EfiLoaderData.value(), 100, AllocationTag.application(callerRip));
 * MemoryMapSnapshot snap = map.getMemoryMap();      // statusFor(size, null?), writeTo(bytes, 0), mapKey()
 * map.exitBootServices(snap.mapKey());               // EfiException(EFI_INVALID_PARAMETER) when stale
 * }</pre>
 *
 * Failures throw {@link org.efiemu.uefi.spec.EfiException} with EDK2's status; not thread-safe (one instance per
 * machine, no shared state).
 */
package org.efiemu.uefi.memory;
