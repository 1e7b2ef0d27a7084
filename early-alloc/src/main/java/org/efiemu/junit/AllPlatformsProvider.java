package org.efiemu.junit;

import java.util.stream.Stream;
import org.efiemu.platform.ProfileRegistry;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/** The argument source behind {@link AllPlatforms}: one {@link org.efiemu.platform.PlatformProfile} per built-in. */
public final class AllPlatformsProvider implements ArgumentsProvider {
    @Override
    public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
        AllPlatforms a = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), AllPlatforms.class)
                .orElseThrow(() -> new IllegalStateException("AllPlatformsProvider used without @AllPlatforms on "
                        + context.getRequiredTestMethod()));
        return EfiemuSettings.allPlatforms(a).stream().map(ProfileRegistry::builtIn).map(Arguments::of);
    }
}
