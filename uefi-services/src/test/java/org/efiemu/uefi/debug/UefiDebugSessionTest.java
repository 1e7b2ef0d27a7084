package org.efiemu.uefi.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceInterceptor;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;

/** The debug session over the {@code services} payload on OVMF q35 2 GiB (its first AllocatePages gets 0x9C000). */
class UefiDebugSessionTest {
    static UefiMachineBuilder services() {
        return UefiMachine.builder(DebugTestPlatforms.ovmfQ35()).payload(DebugTestPlatforms.payload("services"))
                .loadOptions("return");
    }

    private static List<Allocation> applicationAllocations(UefiDebugSession s) {
        return s.machine().memoryMap().liveAllocations().stream()
                .filter(a -> a.requester() == org.efiemu.uefi.memory.Requester.APPLICATION).toList();
    }

    @Test
    void serviceBreakpointStopsBeforeTheCallWithItsDecodedArguments() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            assertThat(s.entryStop().kind()).isEqualTo(DebugStop.Kind.ENTRY);
            s.breakOnService("AllocatePages");
            DebugStop stop = s.cont();
            assertThat(stop.kind()).isEqualTo(DebugStop.Kind.SERVICE);
            assertThat(stop.where()).isEqualTo("AllocatePages stub");
            assertThat(stop.serviceArguments().get("Type")).isEqualTo(1);
            assertThat(stop.serviceArguments().get("*Memory")).isEqualTo(0x9FFFF);
            assertThat(s.trace()).noneMatch(e -> e.service().equals("AllocatePages")); // not run yet
            assertThat(applicationAllocations(s)).isEmpty();
        }
    }

    @Test
    void finishAtAServiceRunsItAndReportsStatusAndAddress() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.breakOnService("AllocatePages");
            s.cont();
            DebugStop done = s.finish();
            assertThat(done.kind()).isEqualTo(DebugStop.Kind.FINISH);
            assertThat(done.completedCall().summary())
                    .isEqualTo("AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x9FFFF) = EFI_SUCCESS -> 0x9C000");
            assertThat(done.where()).startsWith("services.efi+0x");
            assertThat(applicationAllocations(s)).singleElement().satisfies(a -> {
                assertThat(a.base()).isEqualTo(0x9C000);
                assertThat(s.machine().images().describe(a.tag().callerRip())).isEqualTo(done.where());
            });
            assertThat(MemoryMapView.changes(s.memoryMapAtPreviousStop(), s.memoryMap()))
                    .contains("+ EfiLoaderData              0x000000000009C000 0x000000000009FFFF            4  0xF");
        }
    }

    @Test
    void backReturnsToBeforeTheAllocationWhichIsThenGoneAndRunsTheSameAgain() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.breakOnService("AllocatePages");
            DebugStop before = s.cont();
            s.finish();
            int traced = s.trace().size();
            DebugStop back = s.back();
            assertThat(back.kind()).isEqualTo(DebugStop.Kind.BACK);
            assertThat(back.rip()).isEqualTo(before.rip());
            assertThat(back.instructions()).isEqualTo(before.instructions());
            assertThat(applicationAllocations(s)).isEmpty();
            assertThat(s.trace()).hasSize(traced - 1);
            assertThat(s.finish().completedCall().outputs()).containsExactly("0x9C000");
        }
    }

    @Test
    void conditionOnDecodedArgumentsSkipsCallsThatDoNotMatch() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.breakOnService("AllocatePages", "Type == AllocateMaxAddress && Pages == 2");
            DebugStop stop = s.cont();
            assertThat(stop.serviceArguments().get("Pages")).isEqualTo(2);
            assertThat(stop.serviceArguments().get("MemoryType")).isEqualTo(0x70000001L);
            assertThat(s.trace().stream().filter(e -> e.service().equals("AllocatePages")).count()).isEqualTo(8);
        }
    }

    @Test
    void addressBreakpointByImageOffsetStopsBeforeThatInstruction() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.breakOnService("AllocatePages");
            s.cont();
            String site = s.finish().where(); // the instruction after the first AllocatePages call
            try (UefiDebugSession t = UefiDebugSession.start(services())) {
                t.breakAt(site);
                DebugStop stop = t.cont();
                assertThat(stop.kind()).isEqualTo(DebugStop.Kind.BREAKPOINT);
                assertThat(stop.where()).isEqualTo(site);
                assertThat(t.trace()).anyMatch(e -> e.service().equals("AllocatePages"));
            }
        }
    }

    @Test
    void interceptorChangingTheMemoryArgumentBeforeTheCallMovesTheAllocation() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.intercept("AllocatePages", new ServiceInterceptor() {
                @Override
                public void before(ServiceCall call) {
                    if (call.arg(0) == 1 && call.memory().u64(call.arg(3)) == 0x9FFFF) {
                        call.memory().putU64(call.arg(3), 0x7FFFF); // AllocateMaxAddress limit lowered
                    }
                }
            });
            s.breakOnService("AllocatePages");
            s.cont();
            assertThat(s.finish().completedCall().summary())
                    .isEqualTo("AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x7FFFF) = EFI_SUCCESS -> 0x7C000");
        }
    }

    @Test
    void replacedServiceAnswersInsteadOfTheFirmwareAndStaysReplacedAfterBack() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            s.replace("AllocatePages", call -> EfiStatus.OUT_OF_RESOURCES);
            s.breakOnService("AllocatePages");
            s.cont();
            assertThat(s.finish().completedCall().status()).isEqualTo("EFI_OUT_OF_RESOURCES");
            s.back();
            ServiceCallEvent again = s.finish().completedCall();
            assertThat(again.status()).isEqualTo("EFI_OUT_OF_RESOURCES");
            assertThat(applicationAllocations(s)).isEmpty();
        }
    }

    @Test
    void runningPastTheEndIsRefusedUntilBack() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            DebugStop end = s.cont();
            assertThat(end.kind()).isEqualTo(DebugStop.Kind.EXITED);
            assertThat(end.description()).isEqualTo("the image returned EFI_SUCCESS");
            assertThatThrownBy(s::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("use back");
            assertThat(s.back().kind()).isEqualTo(DebugStop.Kind.BACK);
            assertThat(s.step().kind()).isEqualTo(DebugStop.Kind.STEP);
        }
    }

    @Test
    void unknownServiceOrImageIsRejectedNamingWhatExists() {
        try (UefiDebugSession s = UefiDebugSession.start(services())) {
            assertThatThrownBy(() -> s.breakOnService("AllocatePage")).hasMessageContaining("no service named 'AllocatePage'");
            assertThatThrownBy(() -> s.breakAt("strategy.efi+0x10")).hasMessageContaining("loaded: [services.efi]");
            assertThatThrownBy(() -> s.delete(42)).hasMessageContaining("no breakpoint or watchpoint 42");
        }
    }
}
