package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.junit.jupiter.api.Test;

/** {@link WritePolicy#flagged} (used to set protections) must agree with {@link WritePolicy#classify} on every page. */
class WritePolicyTest {
    private static final long PAGE = 0x1000;
    private static final long TOP = 0x10000000L + 16 * PAGE;

    private static WritePolicy policyOf(UefiMachine m) {
        List<long[]> owned = new ArrayList<>();
        owned.add(new long[] {m.image().base(), m.image().base() + m.image().size()});
        for (FirmwareArena.Piece p : m.arena()) {
            if (p.label().startsWith("application stack")) {
                owned.add(new long[] {p.base(), p.end()});
            }
        }
        return new WritePolicy(m.memoryMap(), owned, m.arena());
    }

    private static void assertFlaggedMatchesClassifyOnEveryPage(WritePolicy policy) {
        long flagged = 0;
        long owned = 0;
        for (long p = 0; p < TOP; p += PAGE) {
            boolean expected = policy.classify(p).flagged();
            assertThat(policy.flagged(p)).as("page 0x%X after ExitBootServices %s", p, policy.afterExitBootServices())
                    .isEqualTo(expected);
            if (expected) {
                flagged++;
            } else {
                owned++;
            }
        }
        assertThat(flagged).as("flagged pages").isPositive();
        assertThat(owned).as("owned pages").isPositive();
    }

    @Test
    void flaggedAgreesWithClassifyOnEveryPageBeforeAndAfterExitBootServices() {
        try (UefiMachine m = UefiMachine.builder(SanitizerPlatform.ovmfLike())
                .payload(SanitizerPlatform.payload("sanitize-bs-data")).build()) {
            m.run();
            WritePolicy policy = policyOf(m);
            assertFlaggedMatchesClassifyOnEveryPage(policy);
            policy.exitBootServices();
            assertFlaggedMatchesClassifyOnEveryPage(policy);
        }
    }
}
