package org.efiemu.uefi.debug.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.DebugTestPlatforms;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.junit.jupiter.api.Test;

/** The monitor commands' text, without gdb (the real-gdb path is in {@link GdbMonitorRealGdbTest}). */
class GdbMonitorTest {
    @Test
    void sanitizerReplaysTheRunWithTheSanitizerAndNamesTheWriteIntoFirmwareMemory() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .payload(DebugTestPlatforms.payload("sanitize-bs-data")))) {
            GdbMonitor m = new GdbMonitor(s);
            assertThat(m.monitor("sanitizer")).startsWith("no findings (");
            s.cont();
            long at = s.instructions();
            String out = m.monitor("sanitizer");
            assertThat(out).startsWith("firmware corruption: 0x901008+0x10 in EfiBootServicesData (platform firmware)")
                    .containsPattern("\\(sanitize-bs-data\\.efi\\+0x[0-9A-F]+ <store_qwords_rip>\\)\n$");
            assertThat(s.instructions()).isEqualTo(at); // the replay came back to the same moment
            assertThat(m.monitor("sanitizer")).isEqualTo(out);
        }
    }

    @Test
    void unknownMonitorCommandsNameTheNearestAndHelpListsThem() {
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .payload(DebugTestPlatforms.payload("services")).loadOptions("return"))) {
            GdbMonitor m = new GdbMonitor(s);
            assertThatThrownBy(() -> m.monitor("sanitiser")).hasMessage(
                    "unknown monitor command 'sanitiser'; did you mean 'sanitizer'? (monitor help lists them)");
            assertThat(m.monitor("help")).contains("monitor break SERVICE").contains("monitor sanitizer");
        }
    }
}
