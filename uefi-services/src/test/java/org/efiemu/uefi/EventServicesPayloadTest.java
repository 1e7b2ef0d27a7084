package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-events} payload on OVMF q35: events, timers and TPL (UEFI 2.10 §7.1), the protocol handler services
 * (§7.3) and the ExitBootServices event groups, each status as EDK2 returns it. The payload prints
 * {@code <case> <status>} lines; the trace shows the notification functions really ran in the guest.
 */
class EventServicesPayloadTest {
    private static BootResult result;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-events"))
                .build()) {
            result = m.run();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    private static List<String> calls(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary).toList();
    }

    @Test
    void payloadRunsToTheEndWithoutViolations() {
        assertThat(result.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(result.statusName()).contains("EFI_SUCCESS");
        assertThat(result.violations()).isEmpty();
        assertThat(result.unimplementedCalls()).isEmpty();
    }

    @Test
    void notifyFunctionRunsInTheGuestWhenSignalledAndIsDeferredWhileTplIsRaised() {
        assertThat(lines()).containsSubsequence("create-signal EFI_SUCCESS", "signal EFI_SUCCESS",
                "notified-after-signal 1", "raise-returned 4", "notified-while-raised 1", "notified-after-restore 2",
                "check-notify-signal EFI_INVALID_PARAMETER", "close EFI_SUCCESS", "close-again EFI_INVALID_PARAMETER",
                "notify-ran-at-tpl 16");
        assertThat(calls("RaiseTPL")).first().isEqualTo("RaiseTPL(TPL_NOTIFY) = - -> returns TPL_APPLICATION");
        assertThat(calls("SignalEvent").get(0)).matches("SignalEvent\\(0x[0-9A-F]+\\) = EFI_SUCCESS -> notify 0x[0-9A-F]+\\(.*\\)");
    }

    @Test
    void createEventRejectsWhatEdk2Rejects() {
        assertThat(lines()).containsSubsequence("create-null-out EFI_INVALID_PARAMETER",
                "create-no-function EFI_INVALID_PARAMETER", "create-bad-type EFI_INVALID_PARAMETER",
                "create-bad-tpl EFI_INVALID_PARAMETER", "create-ex-ebs-type-with-group EFI_INVALID_PARAMETER");
    }

    @Test
    void timerFiresAfterStallAdvancesVirtualTime() {
        assertThat(lines()).containsSubsequence("create-timer EFI_SUCCESS", "set-timer-relative EFI_SUCCESS",
                "check-before EFI_NOT_READY", "check-after-stall EFI_SUCCESS", "check-cleared EFI_NOT_READY",
                "set-timer-bad-type EFI_INVALID_PARAMETER", "set-timer-not-a-timer EFI_INVALID_PARAMETER");
    }

    @Test
    void periodicTimerSignalsOncePerTickUntilCancelled() {
        // one notification per 10 ms tick (EDK2 CoreTimerTick/CoreCheckTimers), however short the period
        assertThat(lines()).containsSubsequence("periodic-after-one-tick 1", "periodic-after-two-ticks 2",
                "periodic-after-cancel 2");
    }

    @Test
    void waitForEventJumpsVirtualTimeToTheTimerAndChecksItsArguments() {
        assertThat(lines()).containsSubsequence("wait-timer EFI_SUCCESS", "wait-index 0",
                "wait-zero-events EFI_INVALID_PARAMETER", "wait-notify-signal EFI_INVALID_PARAMETER",
                "wait-at-callback EFI_UNSUPPORTED", "wait-wild-array EFI_INVALID_PARAMETER");
        String wait = calls("WaitForEvent").get(0);
        long waited = Long.parseLong(wait.replaceAll(".*waited (\\d+) ns.*", "$1"));
        // the 5 ms count from the last 10 ms tick (EDK2 mEfiSystemTime): the wait ends at the next tick, at most 5 ms
        // after the call
        assertThat(waited).isBetween(1L, 5_000_000L);
        assertThat(calls("WaitForEvent").get(0)).doesNotContain("waited 0 ns");
    }

    @Test
    void signallingOneGroupMemberNotifiesEveryMember() {
        assertThat(lines()).contains("group 1 1");
    }

    @Test
    void protocolInstallLocateAndUninstallFollowEdk2() {
        assertThat(lines()).containsSubsequence("install EFI_SUCCESS", "install-duplicate EFI_INVALID_PARAMETER",
                "install-null-handle EFI_INVALID_PARAMETER", "install-pe-interface EFI_INVALID_PARAMETER",
                "locate EFI_SUCCESS", "locate-is-a 1", "locate-unknown EFI_NOT_FOUND", "locate-gop EFI_NOT_FOUND",
                "locate-wild-guid EFI_INVALID_PARAMETER", "reinstall EFI_SUCCESS", "reinstalled-is-a2 1",
                "reinstall-wrong-old EFI_NOT_FOUND", "uninstall-multiple EFI_SUCCESS", "uninstall EFI_SUCCESS",
                "uninstall-gone EFI_INVALID_PARAMETER");
    }

    @Test
    void locateHandleReportsTheNeededSizeWhenTheBufferIsTooSmall() {
        // handles: the image, ConOut, StdErr, ConIn, the boot volume, COM1, its terminal and the payload's own
        assertThat(lines()).containsSubsequence("locate-handle-small EFI_BUFFER_TOO_SMALL", "locate-handle-needs 8",
                "locate-handle EFI_SUCCESS", "locate-handle-found 1 size 8", "locate-handle-unknown EFI_NOT_FOUND",
                "locate-handle-all-small EFI_BUFFER_TOO_SMALL", "all-handles-bytes 64");
    }

    @Test
    void poolBuffersOfLocateHandleBufferAndProtocolsPerHandleAreFreeable() {
        assertThat(lines()).containsSubsequence("locate-handle-buffer EFI_SUCCESS", "handle-buffer 1 1",
                "free-handle-buffer EFI_SUCCESS", "locate-handle-buffer-unknown EFI_NOT_FOUND",
                "protocols-per-handle EFI_SUCCESS", "protocols 1 1", "protocols-per-bad-handle EFI_INVALID_PARAMETER");
        assertThat(calls("FreePool")).allSatisfy(s -> assertThat(s).contains("= EFI_SUCCESS -> was EfiBootServicesData"));
    }

    @Test
    void registeredNotifyRunsOnInstallAndRegistrationYieldsEachInterfaceOnce() {
        assertThat(lines()).containsSubsequence("register-notify EFI_SUCCESS", "install-multiple EFI_SUCCESS",
                "notify-on-install 1", "locate-by-registration EFI_SUCCESS", "registration-is-b 1",
                "locate-by-registration-again EFI_NOT_FOUND", "install-multiple-duplicate EFI_INVALID_PARAMETER");
    }

    @Test
    void openProtocolInformationListsTheOpenInAPoolArray() {
        assertThat(lines()).containsSubsequence("open-get EFI_SUCCESS", "open-info EFI_SUCCESS", "open-info 1 1 2",
                "open-info-missing EFI_NOT_FOUND", "close-protocol EFI_SUCCESS", "close-protocol-again EFI_NOT_FOUND");
    }

    @Test
    void withoutDriversConnectFindsNothingAndDisconnectSucceeds() {
        assertThat(lines()).containsSubsequence("locate-device-path-no-esp EFI_NOT_FOUND", "connect-image EFI_NOT_FOUND",
                "disconnect-image EFI_SUCCESS");
    }

    @Test
    void exitBootServicesSignalsBeforeGroupAlwaysAndExitGroupOnlyOnSuccess() {
        assertThat(lines()).containsSubsequence("ebs-stale EFI_INVALID_PARAMETER before 1 at 0", "ebs EFI_SUCCESS before 2 at 1");
        assertThat(calls("ExitBootServices").get(1)).contains("= EFI_SUCCESS", "final map");
    }
}
