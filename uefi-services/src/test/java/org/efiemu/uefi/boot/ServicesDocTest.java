package org.efiemu.uefi.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every service slot is bound (the spec's reserved slot aside), and docs/services.md is the rendered binding table. */
class ServicesDocTest {
    private static final Path DOC = Path.of("../docs/services.md");

    @Test
    void everyBootAndRuntimeServiceSlotIsBoundExceptTheReservedOne() {
        assertThat(ServiceBindings.serviceStatus()).filteredOn(s -> !s.implemented())
                .extracting(ServiceBindings.SlotStatus::service).containsExactly("Reserved");
        assertThat(ServiceBindings.serviceStatus()).hasSize(BootService.values().length
                + org.efiemu.uefi.runtime.RuntimeService.values().length);
    }

    @Test
    void servicesThatDispatchNotificationsOrRunImagesMayCallTheGuest() {
        assertThat(ServiceBindings.callsGuest(BootService.SIGNAL_EVENT)).isTrue();
        assertThat(ServiceBindings.callsGuest(BootService.START_IMAGE)).isTrue();
        assertThat(ServiceBindings.callsGuest(BootService.ALLOCATE_PAGES)).isFalse();
    }

    @Test
    void servicesMarkdownIsTheRenderedBindingTable() throws IOException {
        assertThat(DOC).as("docs/services.md is missing; generate it with ServicesDoc").exists();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/services.md is stale: regenerate with java -cp ... org.efiemu.uefi.boot.ServicesDoc docs/services.md")
                .isEqualTo(ServicesDoc.render());
        assertThat(ServicesDoc.render()).contains("| Boot | LoadImage | 0xC8 | implemented | yes |",
                "| Runtime | ResetSystem | 0x68 | implemented |");
    }
}
