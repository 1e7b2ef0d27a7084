package org.efiemu.uefi.debug;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.junit.jupiter.api.Test;

class UefiDebugSessionTest {
    static UefiMachineBuilder services(String options) {
        return UefiMachine.builder(DebugTestPlatforms.ovmfQ35()).payload(DebugTestPlatforms.payload("services"))
                .loadOptions(options);
    }

    @Test
    void explore() {
        try (UefiDebugSession s = UefiDebugSession.start(services("return"))) {
            System.out.println(s.entryStop());
            s.breakOnService("AllocatePages", "Type == AllocateMaxAddress");
            DebugStop st = s.cont();
            System.out.println(st);
            System.out.println(s.finish());
            MemoryMapView.allocations(s.machine().memoryMap().liveAllocations(), s.machine().images(), false).forEach(System.out::println);
            MemoryMapView.changes(s.memoryMapAtPreviousStop(), s.memoryMap()).forEach(System.out::println);
            System.out.println(s.back());
            MemoryMapView.allocations(s.machine().memoryMap().liveAllocations(), s.machine().images(), false).forEach(System.out::println);
            System.out.println(s.cont());
            System.out.println(s.cont());
            System.out.println(s.rebuilds());
        }
    }
}
