package org.efiemu.uefi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.junit.jupiter.api.Test;

/**
 * {@code SIMPLE_TEXT_OUTPUT_MODE.CursorColumn} (offset 12) and {@code CursorRow} (offset 16), UEFI 2.10 §12.4.1, follow
 * the text ConOut printed: column = characters after the last line break, row = line feeds (capped at the last row).
 */
class SimpleTextOutputCursorTest {

    @Test
    void cursorColumnAndRowInTheModeStructureFollowThePrintedText() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("sanitize-own")).build()) {
            BootResult r = m.run();
            String text = r.console().text(ConsoleListener.Source.CON_OUT);
            assertThat(text).contains("\n");
            int col = 0;
            int row = 0;
            for (char ch : text.toCharArray()) {
                if (ch == '\r') {
                    col = 0;
                } else if (ch == '\n') {
                    row = Math.min(row + 1, 24);
                } else if (++col >= 80) {
                    col = 0;
                    row = Math.min(row + 1, 24);
                }
            }
            long mode = m.arena().stream().filter(p -> p.label().equals("ConOut SIMPLE_TEXT_OUTPUT_MODE"))
                    .mapToLong(FirmwareArena.Piece::base).findFirst().orElseThrow();
            GuestMemory memory = m.machine().memory();
            assertThat(memory.u32(mode + 12)).as("CursorColumn").isEqualTo(col);
            assertThat(memory.u32(mode + 16)).as("CursorRow").isEqualTo(row);
            assertThat(memory.u8(mode + 20)).as("CursorVisible untouched (off at entry, as OVMF's BDS leaves it)").isEqualTo(0);
        }
    }
}
