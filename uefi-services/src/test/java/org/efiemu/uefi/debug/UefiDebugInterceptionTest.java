package org.efiemu.uefi.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceInterceptor;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.runtime.RuntimeService;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;

/**
 * Interceptors changing register and pointed-to arguments before a service runs and its result after, and the
 * session's names for firmware addresses; the {@code services} payload on OVMF q35 2 GiB, whose first call is
 * {@code AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x9FFFF)}.
 */
class UefiDebugInterceptionTest {
    /** Rewrites only the payload's first AllocatePages (Memory = 0x9FFFF); the others run as written. */
    private abstract static class FirstAllocatePages implements ServiceInterceptor {
        boolean first(ServiceCall call) {
            return call.arg(0) == 1 && call.arg(2) == 4 && call.memory().u64(call.arg(3)) == 0x9FFFF;
        }
    }

    @Test
    void interceptorChangingTypeMemoryTypePagesAndAddressMakesTheServiceAllocateWhatItWasGiven() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            s.intercept("AllocatePages", new FirstAllocatePages() {
                @Override
                public void before(ServiceCall call) {
                    if (!first(call)) return;
                    call.setArg(0, 2);                                   // Type: AllocateAddress
                    call.setArg(1, MemoryType.EfiBootServicesData.value());
                    call.setArg(2, 2);                                   // Pages
                    call.memory().putU64(call.arg(3), 0x70000);          // *Memory: the address
                }
            });
            s.breakOnService("AllocatePages");
            s.cont();
            assertThat(s.finish().completedCall().summary())
                    .isEqualTo("AllocatePages(AllocateAddress, EfiBootServicesData, 2, 0x70000) = EFI_SUCCESS -> 0x70000");
            assertThat(s.machine().memoryMap().liveAllocations()).anySatisfy(a -> {
                assertThat(a.base()).isEqualTo(0x70000);
                assertThat(a.pages()).isEqualTo(2);
                assertThat(a.memoryType()).isEqualTo(MemoryType.EfiBootServicesData.value());
            });
        }
    }

    @Test
    void interceptorLoweringPagesAndMaxAddressMovesTheAllocationBelowTheNewLimit() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            s.intercept("AllocatePages", new FirstAllocatePages() {
                @Override
                public void before(ServiceCall call) {
                    if (!first(call)) return;
                    call.setArg(2, 1);
                    call.memory().putU64(call.arg(3), 0x7FFFF);
                }
            });
            s.breakOnService("AllocatePages");
            s.cont();
            assertThat(s.finish().completedCall().summary())
                    .isEqualTo("AllocatePages(AllocateMaxAddress, EfiLoaderData, 1, 0x7FFFF) = EFI_SUCCESS -> 0x7F000");
        }
    }

    @Test
    void forcedResultIsWhatTheGuestAndTheTraceSeeWithWhatTheServiceReturned() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            s.intercept("AllocatePages", new ServiceInterceptor() {
                @Override
                public void after(ServiceCall call, EfiStatus status) {
                    if (status == EfiStatus.SUCCESS) call.forceStatus(EfiStatus.OUT_OF_RESOURCES);
                }
            });
            s.breakOnService("AllocatePages");
            s.cont();
            ServiceCallEvent done = s.finish().completedCall();
            assertThat(done.status()).isEqualTo("EFI_OUT_OF_RESOURCES");
            assertThat(done.outputs()).contains("forced by an interceptor; the service returned EFI_SUCCESS");
            assertThat(s.debugger().reg(org.efiemu.core.engine.X86Reg.RAX))
                    .isEqualTo(EfiStatus.OUT_OF_RESOURCES.code());
        }
    }

    @Test
    void negativeArgumentIndexIsRejectedNamingTheService() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            s.intercept("AllocatePages", new ServiceInterceptor() {
                @Override
                public void before(ServiceCall call) {
                    assertThatThrownBy(() -> call.setArg(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("argument index -1 of AllocatePages");
                }
            });
            s.breakOnService("AllocatePages");
            s.cont();
            s.finish();
        }
    }

    @Test
    void whereNamesRuntimeServiceStubsAndFirmwareArenaPieces() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            var m = s.machine();
            long getTime = m.machine().memory().u64(m.systemTable().runtimeServices() + RuntimeService.GET_TIME.offset());
            assertThat(s.where(getTime)).isEqualTo("GetTime stub");
            assertThat(m.labelAt(getTime)).contains("GetTime stub");
            FirmwareArena.Piece piece = m.arena().get(0);
            assertThat(s.where(piece.base())).isEqualTo(piece.label());
            assertThat(s.where(piece.base() + 8)).isEqualTo(piece.label() + "+0x8");
            assertThat(s.where(0x1000)).isEqualTo("0x1000");
        }
    }

    @Test
    void allocsViewListsTheApplicationsLivePoolBlocksWithSizeBinAndCallSite() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiDebugSessionTest.services())) {
            s.breakOnService("AllocatePool");
            s.cont();
            DebugStop done = s.finish(); // AllocatePool(EfiLoaderData, 1, &p1)
            var m = s.machine();
            assertThat(MemoryMapView.poolBlocks(m.livePool(), m.images(), false)).anySatisfy(line -> assertThat(line)
                    .startsWith("pool EfiLoaderData 0x").contains(" 1 bytes (block ").endsWith(" from " + done.where()));
        }
    }
}
