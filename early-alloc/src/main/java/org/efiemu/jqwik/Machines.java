package org.efiemu.jqwik;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A jqwik parameter {@code @ForAll @Machines PlatformProfile machine}: generated plausible machines
 * ({@link org.efiemu.platform.random.MachineGenerator}) that shrink as {@code efiemu hunt} shrinks them
 * ({@link org.efiemu.platform.random.MachineShrinker}: fewer descriptors, plainer types, smaller and rounder sizes,
 * fewer quirks). Provided by {@link MachinesArbitraryProvider} (registered as a jqwik service).
 *
 * <pre>{@code
 * @Property(tries = 50)
 * void trampolineFitsBelow1MiB(@ForAll @Machines(maxDescriptors = 200) PlatformProfile machine) { ... }
 * }</pre>
 */
@Target({ElementType.PARAMETER, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Machines {
    /** Fewest descriptors (at least 4). */
    int minDescriptors() default 4;

    /** Most descriptors. */
    int maxDescriptors() default 2000;

    /** Least RAM in MiB (at least 256). */
    long minRamMiB() default 256;

    /** Most RAM in MiB (default 6 TiB). */
    long maxRamMiB() default 6L << 20;
}
