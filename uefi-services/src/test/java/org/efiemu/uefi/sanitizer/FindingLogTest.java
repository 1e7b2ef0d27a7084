package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Aggregation of flagged writes: one finding per kind, owner, contiguous range and RIP. */
class FindingLogTest {
    private static final FindingLog.Key BS = new FindingLog.Key(FindingKind.FIRMWARE_CORRUPTION, "EfiBootServicesData",
            "platform firmware", 0x1000, false);

    @Test
    void adjacentWritesOfOneRipJoinIntoOneFindingWithTheWholeLength() {
        FindingLog log = new FindingLog();
        assertThat(log.add(BS, 0x5000, 0x5008, 3)).isTrue();
        for (long a = 0x5008; a < 0x6000; a += 8) {
            assertThat(log.add(BS, a, a + 8, 3)).isFalse();
        }
        assertThat(log.findings()).singleElement().satisfies(f -> {
            assertThat(f.address()).isEqualTo(0x5000);
            assertThat(f.length()).isEqualTo(0x1000);
            assertThat(f.writes()).isEqualTo(0x200);
            assertThat(f.afterCall()).isEqualTo(3);
        });
    }

    @Test
    void writesWithAGapOrAnotherRipAreSeparateFindingsInFirstWriteOrder() {
        FindingLog log = new FindingLog();
        FindingLog.Key otherRip = new FindingLog.Key(BS.kind(), BS.ownerType(), BS.owner(), 0x2000, false);
        log.add(BS, 0x9000, 0x9008, 1);
        log.add(otherRip, 0x9008, 0x9010, 2);
        log.add(BS, 0x5000, 0x5008, 4);
        assertThat(log.findings()).extracting(SanitizerFinding::address, SanitizerFinding::rip)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0x9000L, 0x1000L),
                        org.assertj.core.groups.Tuple.tuple(0x9008L, 0x2000L),
                        org.assertj.core.groups.Tuple.tuple(0x5000L, 0x1000L));
    }

    @Test
    void aWriteBridgingTwoRangesJoinsBothAndKeepsTheEarlierStart() {
        FindingLog log = new FindingLog();
        log.add(BS, 0x7000, 0x7008, 1);
        log.add(BS, 0x7010, 0x7018, 2);
        assertThat(log.add(BS, 0x7004, 0x7014, 3)).isFalse();
        assertThat(log.findings()).singleElement().satisfies(f -> {
            assertThat(f.address()).isEqualTo(0x7000);
            assertThat(f.length()).isEqualTo(0x18);
            assertThat(f.writes()).isEqualTo(3);
            assertThat(f.afterCall()).isEqualTo(1);
        });
    }

    @Test
    void randomWritesGiveTheFindingsAndOpenedAnswersOfTheRangeMapLogTheyReplaced() {
        java.util.Random random = new java.util.Random(15);
        FindingLog.Key[] keys = {BS, new FindingLog.Key(BS.kind(), BS.ownerType(), BS.owner(), 0x2000, false),
                new FindingLog.Key(FindingKind.UNALLOCATED_USE, "EfiConventionalMemory", "free", 0x1000, false),
                new FindingLog.Key(BS.kind(), BS.ownerType(), BS.owner(), 0x1000, true)};
        for (int round = 0; round < 400; round++) {
            FindingLog log = new FindingLog();
            GuavaFindingLog reference = new GuavaFindingLog();
            int writes = 1 + random.nextInt(300);
            long base = random.nextBoolean() ? 0x5000 : 0xFFFF_FFFF_F000L;
            long span = 1L << (4 + random.nextInt(10));
            long at = base;
            for (int w = 0; w < writes; w++) {
                FindingLog.Key key = keys[random.nextInt(random.nextBoolean() ? 1 : keys.length)];
                long start = switch (random.nextInt(4)) {
                    case 0 -> at; // sequential stores, the common case
                    case 1 -> at - random.nextInt(16); // overlapping the last
                    default -> base + random.nextLong(span);
                };
                int length = 1 << random.nextInt(4);
                if (random.nextInt(20) == 0) {
                    length = 1 + random.nextInt(64);
                }
                long call = w / 7;
                assertThat(log.add(key, start, start + length, call)).as("round %d write %d", round, w)
                        .isEqualTo(reference.add(key, start, start + length, call));
                at = start + length;
            }
            assertThat(log.findings()).as("round %d", round).isEqualTo(reference.findings());
        }
    }
}
