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

    /** The runs {@link WritePolicy#flaggedRuns} gives, against the maximal runs of page-by-page answers. */
    private static void assertRunsAreThePageByPageRuns(WritePolicy policy, long start, long end) {
        List<String> pageByPage = new ArrayList<>();
        long runStart = start;
        for (long p = start; p < end; p += PAGE) {
            if (p > start && policy.flagged(p) != policy.flagged(p - PAGE)) {
                pageByPage.add(String.format("0x%X-0x%X %s", runStart, p, policy.flagged(runStart)));
                runStart = p;
            }
        }
        pageByPage.add(String.format("0x%X-0x%X %s", runStart, end, policy.flagged(runStart)));
        List<String> runs = new ArrayList<>();
        policy.flaggedRuns(start, end, (from, to, flagged) -> runs.add(String.format("0x%X-0x%X %s", from, to, flagged)));
        assertThat(runs).as("[0x%X, 0x%X) after ExitBootServices %s", start, end, policy.afterExitBootServices())
                .isEqualTo(pageByPage);
    }

    @Test
    void flaggedRunsAreThePageByPageAnswersOnTheBootedMachine() {
        try (UefiMachine m = UefiMachine.builder(SanitizerPlatform.ovmfLike())
                .payload(SanitizerPlatform.payload("sanitize-bs-data")).build()) {
            m.run();
            WritePolicy policy = policyOf(m);
            assertRunsAreThePageByPageRuns(policy, 0, TOP);
            policy.exitBootServices();
            assertRunsAreThePageByPageRuns(policy, 0, TOP);
        }
    }

    @Test
    void flaggedRunsAreThePageByPageAnswersOnRandomMapsAllocationsAndApplicationRanges() {
        java.util.Random random = new java.util.Random(42);
        int[] types = {org.efiemu.uefi.spec.MemoryType.EfiConventionalMemory.value(),
                org.efiemu.uefi.spec.MemoryType.EfiBootServicesData.value(),
                org.efiemu.uefi.spec.MemoryType.EfiRuntimeServicesCode.value(),
                org.efiemu.uefi.spec.MemoryType.EfiACPIReclaimMemory.value(),
                org.efiemu.uefi.spec.MemoryType.EfiLoaderData.value(),
                org.efiemu.uefi.spec.MemoryType.EfiReservedMemoryType.value()};
        for (int round = 0; round < 60; round++) {
            List<org.efiemu.uefi.spec.MemoryDescriptor> map = new ArrayList<>();
            long at = 0;
            int n = 2 + random.nextInt(30);
            for (int i = 0; i < n; i++) {
                if (random.nextInt(4) == 0) {
                    at += PAGE * (1 + random.nextInt(8)); // a hole
                }
                long pages = 1 + random.nextInt(random.nextBoolean() ? 4 : 64);
                int type = i % 3 == 0 ? types[0] : types[random.nextInt(types.length)];
                map.add(new org.efiemu.uefi.spec.MemoryDescriptor(type, at, pages, 0xF));
                at += pages * PAGE;
            }
            org.efiemu.uefi.memory.MemoryMap model = org.efiemu.uefi.memory.MemoryMap.builder(map).build();
            List<long[]> owned = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                long base = random.nextLong(at);
                owned.add(new long[] {base, base + 1 + random.nextLong(16 * PAGE)}); // not page aligned
            }
            WritePolicy policy = new WritePolicy(model, owned, List.of());
            for (int i = random.nextInt(12); i > 0; i--) {
                try {
                    long base = model.allocatePages(org.efiemu.uefi.spec.AllocateType.AllocateAnyPages,
                            types[1 + random.nextInt(2)], 1 + random.nextInt(6), 0, random.nextBoolean()
                                    ? org.efiemu.uefi.memory.AllocationTag.application(0x1234)
                                    : org.efiemu.uefi.memory.AllocationTag.firmware());
                    if (random.nextInt(3) == 0) {
                        model.freePages(base, 1);
                    }
                } catch (org.efiemu.uefi.spec.EfiException full) {
                    break;
                }
            }
            policy.invalidate();
            long start = PAGE * random.nextInt(4);
            long end = at + PAGE * random.nextInt(4);
            assertRunsAreThePageByPageRuns(policy, start, end);
            policy.exitBootServices();
            assertRunsAreThePageByPageRuns(policy, start, end);
        }
    }

    @Test
    void classifyAnswersForAPageItClassifiedBeforeAsAFreshPolicyDoesEvenWhereAStructureNamesTheOwner() {
        try (UefiMachine m = UefiMachine.builder(SanitizerPlatform.ovmfLike())
                .payload(SanitizerPlatform.payload("sanitize-bs-data")).build()) {
            m.run();
            WritePolicy policy = policyOf(m);
            java.util.Random random = new java.util.Random(7);
            List<Long> addresses = new ArrayList<>();
            for (FirmwareArena.Piece p : m.arena()) { // structures: several owners within one page
                addresses.add(p.base());
                addresses.add(p.end() - 1);
                addresses.add(p.base() - 1);
            }
            for (int i = 0; i < 3000; i++) {
                addresses.add(random.nextLong(TOP));
            }
            for (boolean exited : new boolean[] {false, true}) {
                if (exited) {
                    policy.exitBootServices();
                }
                long previous = 0;
                for (long a : addresses) {
                    for (long x : new long[] {a, a ^ 0x8, (a & -PAGE) + random.nextInt((int) PAGE), previous}) {
                        WritePolicy fresh = policyOf(m);
                        if (exited) {
                            fresh.exitBootServices();
                        }
                        assertThat(policy.classify(x)).as("0x%X after ExitBootServices %s", x, exited)
                                .isEqualTo(fresh.classify(x));
                        previous = x;
                    }
                }
            }
        }
    }
}
