package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace of DisconnectController(disk, NULL, NULL) on a GPT disk (part-probe's "pq:" step): the driver Stops EDK2
 * 2022.11's {@code CoreDisconnectController} makes, in the order it makes them (a Stop's line before what it causes),
 * and what a Stop causes nested under it, two spaces a level: PartitionDxe's Stop of the children uninstalls each
 * partition's Block I/O, which disconnects DiskIoDxe there ({@code CoreDisconnectControllersUsingProtocolInterface}),
 * whose uninstall of the Disk I/O disconnects the FAT driver; then PartitionDxe's Stop with no children and DiskIoDxe's
 * Stop on the disk.
 */
class DisconnectTraceOrderTest {

    @Test
    void nestedStopsAreTracedInCallOrderIndentedUnderTheStopThatCausedThem(@TempDir Path dir) throws Exception {
        BootResult r = PartitionChildrenPayloadTest.efiemu(PartitionChildrenPayloadTest.gptDisk(dir));
        ServiceCallEvent disconnect = r.trace().stream().filter(e -> e.service().equals("DisconnectController")
                && e.status().equals("EFI_SUCCESS") && e.outputs().size() > 3).findFirst().orElseThrow();
        String disk = disconnect.arguments().get(0);
        Matcher children = Pattern.compile("\\[(0x[0-9A-F]+), (0x[0-9A-F]+)\\]").matcher(disconnect.outputs().get(0));
        assertThat(children.find()).as(disconnect.outputs().get(0)).isTrue();
        String esp = children.group(1);
        String data = children.group(2);
        List<String> shown = disconnect.outputs().stream().map(o -> o.replace(disk, "disk").replace(esp, "esp")
                .replace(data, "data").replaceAll("\\(0x[0-9A-F]+, ", "(This, ").replaceAll(", 0x[0-9A-F]+, NULL\\)",
                        ", driver, NULL)")).toList();
        assertThat(shown).containsExactly(
                "DriverBinding.Stop(This, disk, 2, [esp, data]) of PartitionDxe: EFI_SUCCESS",
                "  DisconnectController(esp, driver, NULL) of a BY_DRIVER holder",
                "    DriverBinding.Stop(This, esp, 0, []) of DiskIoDxe: EFI_SUCCESS",
                "      DisconnectController(esp, driver, NULL) of a BY_DRIVER holder",
                "        DriverBinding.Stop(This, esp, 0, []) of Fat: EFI_SUCCESS",
                "  DisconnectController(data, driver, NULL) of a BY_DRIVER holder",
                "    DriverBinding.Stop(This, data, 0, []) of DiskIoDxe: EFI_SUCCESS",
                "DriverBinding.Stop(This, disk, 0, []) of PartitionDxe: EFI_SUCCESS",
                "DriverBinding.Stop(This, disk, 0, []) of DiskIoDxe: EFI_SUCCESS");
    }
}
