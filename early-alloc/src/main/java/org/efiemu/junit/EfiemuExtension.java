package org.efiemu.junit;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

/**
 * Drives {@link EfiemuTest} methods: checks the settings once, then yields one invocation per platform, each with
 * its own {@link EfiemuRun} (a parameter resolver, the failure handler that keeps the run's files, and the clean-up).
 * Stateless itself, so one instance serves parallel tests.
 */
public final class EfiemuExtension implements TestTemplateInvocationContextProvider {

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(EfiemuTest.class)
                || org.junit.platform.commons.support.AnnotationSupport.isAnnotated(m, EfiemuTest.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        EfiemuSettings settings = EfiemuSettings.of(context);
        Method m = context.getRequiredTestMethod();
        List<String> platforms = settings.platforms();
        return IntStream.range(0, platforms.size()).mapToObj(i -> {
            String platform = platforms.get(i);
            Path dir = settings.artifactsRoot().resolve(m.getDeclaringClass().getName()).resolve(m.getName())
                    .resolve(safe(platform));
            return new PlatformInvocation(new EfiemuRun(settings, platform, dir));
        });
    }

    /** A profile path becomes a folder name of its file name without {@code .profile}. */
    private static String safe(String platform) {
        String base = Path.of(platform).getFileName().toString().replaceFirst("\\.profile$", "");
        return base.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
