package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.PageOwner;
import org.junit.jupiter.api.Test;

/**
 * Five records write their {@code equals} and {@code hashCode} out instead of taking the ones Java makes at run time
 * (docs/performance.md, "A short hunt's first second"). Written-out methods do not follow a new component by
 * themselves: this lists the components each one compares, so adding a component fails here until the record's
 * {@code equals} and {@code hashCode} (and this list) take it in.
 */
class WrittenOutRecordEqualityTest {
    @Test
    void recordsWithWrittenOutEqualsHaveExactlyTheComponentsTheirEqualsAndHashCodeCompare() {
        Map<Class<? extends Record>, List<String>> compared = Map.of(
                Allocation.class, List.of("id", "service", "memoryType", "base", "pages", "size", "tag"),
                AllocationTag.class, List.of("requester", "callerRip", "label"),
                PageOwner.class, List.of("kind", "allocation"),
                PlatformProfile.Screens.class, List.of("graphicsModes", "graphicsCurrent", "textModes", "textCurrent"),
                StrategyDescriptor.class, List.of("name", "payload", "description", "seed", "imageCost", "source",
                        "loadAddress", "origin"));
        compared.forEach((type, names) -> {
            assertThat(Stream.of(type.getRecordComponents()).map(RecordComponent::getName).toList())
                    .as("%s's components (its written-out equals and hashCode compare %s)", type.getSimpleName(), names)
                    .containsExactlyElementsOf(names);
            assertThat(declares(type, "equals", Object.class)).as("%s declares equals", type.getSimpleName()).isTrue();
            assertThat(declares(type, "hashCode")).as("%s declares hashCode", type.getSimpleName()).isTrue();
        });
    }

    private static boolean declares(Class<?> type, String name, Class<?>... parameters) {
        try {
            type.getDeclaredMethod(name, parameters);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
