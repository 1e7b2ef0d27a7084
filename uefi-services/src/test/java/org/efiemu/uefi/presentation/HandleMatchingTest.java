package org.efiemu.uefi.presentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.LocateSearchType;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/** {@link HandleMatching}'s rules and {@link HandleDatabase#arrange}, without an emulator. */
class HandleMatchingTest {
    private static final Guid DP = Guid.EFI_DEVICE_PATH_PROTOCOL_GUID;
    private static final Guid LI = Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID;
    private static final Guid TEXT_OUT = Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID;
    private static final Guid TEXT_IN = Guid.EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID;
    private static final Guid GOP = Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    private static final Guid FS = Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
    private static final Guid BLOCK = Guid.EFI_BLOCK_IO_PROTOCOL_GUID;
    private static final Guid FV2 = Guid.parse("220E73B6-6BDB-4413-8405-B974B108619A");
    private static final byte[] GOP_PATH = HexFormat.of().parseHex("02010c00d041030a000000000101060000017fff0400");
    private static final byte[] DISK_PATH = HexFormat.of().parseHex("02010c00d041030a0000000001010600021f7fff0400");

    private static CapturedHandle.CapturedImage image(int device) {
        return new CapturedHandle.CapturedImage(0x1000, -1, device, 1, 2, 0x1000, 0, null);
    }

    /** OVMF-like: a driver image, ConOut splitter, the display, a disk, the application's image. */
    private static final List<CapturedHandle> CAPTURED = List.of(
            new CapturedHandle(0, List.of(LI), List.of(), null, null, image(-1)),
            new CapturedHandle(1, List.of(TEXT_OUT, GOP), List.of(), null, null, null),
            new CapturedHandle(2, List.of(FV2, TEXT_OUT, GOP, DP), List.of(), GOP_PATH, null, null),
            new CapturedHandle(3, List.of(BLOCK, FS, DP), List.of(), DISK_PATH, null, null),
            new CapturedHandle(4, List.of(LI), List.of(), null, null, image(3)));

    @Test
    void efiemuHandlesStandForTheCapturedOnesByImageDevicePathAndProtocolsAndStorageTakesTheBootMediasPlace() {
        List<HandleMatching.Present> present = List.of(
                new HandleMatching.Present(0x10, List.of(LI), null),           // efiemu's image
                new HandleMatching.Present(0x20, List.of(TEXT_OUT, GOP), null),  // ConOut
                new HandleMatching.Present(0x30, List.of(DP, FS), new byte[] {0x7f, (byte) 0xff, 4, 0}), // boot volume
                new HandleMatching.Present(0x40, List.of(DP, GOP), GOP_PATH),    // the display
                new HandleMatching.Present(0x50, List.of(TEXT_IN), null));       // matches nothing
        List<HandleMatching.Slot> plan = HandleMatching.plan(CAPTURED, present, 0x10);
        assertThat(plan).containsExactly(
                new HandleMatching.Slot(CAPTURED.get(0), 0),
                new HandleMatching.Slot(CAPTURED.get(1), 0x20),
                new HandleMatching.Slot(CAPTURED.get(2), 0x40),
                new HandleMatching.Slot(null, 0x30),
                new HandleMatching.Slot(CAPTURED.get(4), 0x10),
                new HandleMatching.Slot(null, 0x50));
    }

    @Test
    void arrangePutsHandlesProtocolsAndByProtocolResultsInTheGivenOrder() {
        long[] next = {0x1000};
        HandleDatabase db = new HandleDatabase(() -> next[0] += 0x10, e -> { }, p -> new byte[0]);
        long a = db.installProtocolInterface(0, GOP, 0xA1).handle();
        db.installProtocolInterface(a, DP, 0xA2);
        long b = db.installProtocolInterface(0, TEXT_OUT, 0xB1).handle();
        db.installProtocolInterface(b, GOP, 0xB2);
        db.arrange(List.of(b, a), Map.of(a, List.of(DP, GOP), b, List.of(GOP, TEXT_OUT)));
        assertThat(db.handles()).containsExactly(b, a);
        assertThat(db.protocolsPerHandle(a)).containsExactly(DP, GOP);
        assertThat(db.protocolsPerHandle(b)).containsExactly(GOP, TEXT_OUT);
        assertThat(db.locateHandleBuffer(LocateSearchType.ByProtocol, GOP, 0).handles()).containsExactly(b, a);
        assertThat(db.locateProtocol(GOP, 0).interfacePointer()).isEqualTo(0xB2);
    }
}
