package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.earlyalloc.Shard;
import org.efiemu.earlyalloc.report.JsonReport;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ReportFiles;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code efiemu matrix --shard I/N} and {@code efiemu report merge}: N shards merge into the unsharded report. */
class ShardAndMergeCommandTest {

    @Test
    void shardsSplitEveryScenarioExactlyOnceInBalancedParts() {
        List<Integer> all = java.util.stream.IntStream.range(0, 45).boxed().toList();
        List<Integer> seen = new java.util.ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            List<Integer> part = new Shard(i, 4).select(all);
            assertThat(part.size()).isBetween(11, 12);
            seen.addAll(part);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
        assertThat(Shard.parse("2/4")).isEqualTo(new Shard(2, 4));
    }

    @Test
    void threeShardsMergeIntoTheReportOfTheWholeMatrix(@TempDir Path dir) throws Exception {
        String[] selection = {"--platform", "ovmf-q35-2g", "--platform", "dell-poweredge-r820", "--strategy", "efi-pool",
            "--strategy", "mem-lower", "--jobs", "2"};
        EfiemuCommandTest.Result whole = EfiemuCommandTest.run(concat(new String[] {"matrix", "--out", dir.resolve("whole").toString()}, selection));
        assertThat(whole.exit()).as(whole.err()).isZero();
        for (int i = 1; i <= 3; i++) {
            EfiemuCommandTest.Result r = EfiemuCommandTest.run(concat(new String[] {"matrix", "--shard", i + "/3", "--out",
                dir.resolve("shard" + i).toString()}, selection));
            assertThat(r.exit()).as(r.err()).isZero();
        }
        Report shard1 = JsonReport.parse(Files.readString(dir.resolve("shard1").resolve(ReportFiles.JSON)));
        assertThat(shard1.scenarios()).hasSize(2);
        assertThat(shard1.inputs().settings()).containsEntry("shard", "1/3");
        EfiemuCommandTest.Result m = EfiemuCommandTest.run("report", "merge", dir.resolve("shard1").toString(),
                dir.resolve("shard2").toString(), dir.resolve("shard3").toString(), "--out", dir.resolve("merged").toString());
        assertThat(m.exit()).as(m.err()).isZero();
        assertThat(m.out()).contains("4 scenarios from 3 folders");
        Report merged = JsonReport.parse(Files.readString(dir.resolve("merged").resolve(ReportFiles.JSON)));
        Report full = JsonReport.parse(Files.readString(dir.resolve("whole").resolve(ReportFiles.JSON)));
        assertThat(merged.scenarios()).isEqualTo(full.scenarios());
        assertThat(merged.platforms()).isEqualTo(full.platforms());
        assertThat(merged.scenarios().stream().map(ScenarioReport::id)).doesNotHaveDuplicates();
        assertThat(Files.readString(dir.resolve("merged").resolve(ReportFiles.HTML))).contains("dell-poweredge-r820/mem-lower");
        assertThat(Files.exists(dir.resolve("merged").resolve(ReportFiles.MARKDOWN))).isTrue();

        // the same shard twice, a folder without report.json, a bad --shard: input errors
        EfiemuCommandTest.Result twice = EfiemuCommandTest.run("report", "merge", dir.resolve("shard1").toString(),
                dir.resolve("shard1").toString(), "--out", dir.resolve("bad").toString());
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("is in both");
        EfiemuCommandTest.Result missing = EfiemuCommandTest.run("report", "merge", dir.resolve("nothing-here").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nothing-here").contains("report.json");
        EfiemuCommandTest.Result badShard = EfiemuCommandTest.run("matrix", "--shard", "4/3", "--platform", "ovmf-q35-2g");
        assertThat(badShard.exit()).isEqualTo(2);
        assertThat(badShard.err()).contains("4/3");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
