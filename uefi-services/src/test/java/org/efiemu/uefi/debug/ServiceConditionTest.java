package org.efiemu.uefi.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConditionTest {
    private static ServiceArguments allocatePages(long type, long memoryType, long pages, long max) {
        return new ServiceArguments("AllocatePages", Map.of("Type", type, "MemoryType", memoryType, "Pages", pages,
                "Memory", 0x7000L, "*Memory", max));
    }

    @Test
    void comparesArgumentsWithSpecConstantsAndNumbers() {
        ServiceCondition c = ServiceCondition.parse("AllocatePages", "Type == AllocateMaxAddress && Pages >= 16");
        assertThat(c.test(allocatePages(1, 2, 16, 0x100000))).isTrue();
        assertThat(c.test(allocatePages(1, 2, 15, 0x100000))).isFalse();
        assertThat(c.test(allocatePages(0, 2, 16, 0x100000))).isFalse();
    }

    @Test
    void dereferencedPointerOrAndNotAndParenthesesWork() {
        ServiceCondition c = ServiceCondition.parse("AllocatePages",
                "!(MemoryType == EfiLoaderCode) && (*Memory < 1MiB || *Memory == 0xFFFFFFFFFFFFFFFF)");
        assertThat(c.test(allocatePages(1, 2, 1, 0x9FFFF))).isTrue();
        assertThat(c.test(allocatePages(1, 2, 1, -1L))).isTrue(); // unsigned comparison
        assertThat(c.test(allocatePages(1, 2, 1, 0x100000))).isFalse();
        assertThat(c.test(allocatePages(1, 1, 1, 0x9FFFF))).isFalse();
    }

    @Test
    void unknownNameIsRejectedWithColumnAndTheServicesArguments() {
        assertThatThrownBy(() -> ServiceCondition.parse("AllocatePages", "Type == AllocateMax"))
                .hasMessage("condition 'Type == AllocateMax' at column 9: 'AllocateMax' is neither an argument of "
                        + "AllocatePages (Type, MemoryType, Pages, Memory) nor a spec constant such as "
                        + "AllocateMaxAddress or EfiLoaderData");
    }

    @Test
    void malformedConditionNamesWhatWasExpected() {
        assertThatThrownBy(() -> ServiceCondition.parse("AllocatePages", "Pages >= "))
                .hasMessageContaining("expected a name, number or '('");
        assertThatThrownBy(() -> ServiceCondition.parse("AllocatePages", "Pages $ 3"))
                .hasMessageContaining("at column 7");
        assertThatThrownBy(() -> ServiceCondition.parse("AllocatePages", "(Pages == 3"))
                .hasMessageContaining("expected ')'");
    }
}
