package org.efiemu.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Every built-in platform profile ({@link org.efiemu.platform.ProfileRegistry#builtInNames()}), in the registry's
 * order. On an {@link EfiemuTest} it runs the test once per profile; on a {@code @ParameterizedTest} it is an argument
 * source of {@link org.efiemu.platform.PlatformProfile}s.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ArgumentsSource(AllPlatformsProvider.class)
public @interface AllPlatforms {
    /** Built-in profiles to leave out (e.g. the 1.5 TiB variant in a quick job). */
    String[] except() default {};
}
