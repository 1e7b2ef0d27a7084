package org.efiemu.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.efiemu.assertj.PayloadFailureLine;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.opentest4j.AssertionFailedError;

/**
 * One invocation of an {@link EfiemuTest} on one platform: resolves {@link BootResult}, {@link UefiMachine},
 * {@link PlatformProfile} and {@link EfiemuRun} parameters from its own {@link EfiemuRun}; on failure keeps the run's
 * files and names their folder in the failure message; afterwards closes the machine and removes the folder of a
 * passing run (unless kept always).
 */
final class PlatformInvocation implements TestTemplateInvocationContext, ParameterResolver, TestExecutionExceptionHandler,
        AfterEachCallback {
    private final EfiemuRun run;
    private boolean failed;

    PlatformInvocation(EfiemuRun run) {
        this.run = run;
    }

    @Override
    public String getDisplayName(int invocationIndex) {
        return "[" + run.platformName() + "]";
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
        return List.of(this);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
        Class<?> t = p.getParameter().getType();
        return t == BootResult.class || t == UefiMachine.class || t == PlatformProfile.class || t == EfiemuRun.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext context) {
        Class<?> t = p.getParameter().getType();
        try {
            if (t == BootResult.class) {
                return run.boot();
            }
            if (t == UefiMachine.class) {
                return run.machine();
            }
            if (t == PlatformProfile.class) {
                return run.profile();
            }
            return run;
        } catch (IllegalStateException e) {
            throw new ParameterResolutionException("efiemu on " + run.platformName() + ": " + e.getMessage()
                    + " (declare either UefiMachine and run it yourself, or BootResult, not a BootResult after running"
                    + " the machine)", e);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("efiemu on " + run.platformName() + " cannot provide "
                    + t.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        failed = true;
        if (run.settings().keep() == EfiemuTest.Keep.NEVER || !run.hasMachine()) {
            throw t;
        }
        Path dir;
        try {
            dir = RunArtifacts.write(run);
        } catch (RuntimeException e) {
            t.addSuppressed(e);
            throw t;
        }
        String note = limitHit().map(l -> l + System.lineSeparator()).orElse("")
                + PayloadFailureLine.find(run.result().map(BootResult::consoleText).orElse(""))
                        .filter(l -> t.getMessage() == null || !t.getMessage().contains(l))
                        .map(l -> "the payload said: " + l + System.lineSeparator()).orElse("")
                + "efiemu run on " + run.platformName() + ": trace, memory map and picture kept in "
                + dir.toAbsolutePath();
        throw withNote(t, note);
    }

    /** What a run that ended on its instruction budget or wall-clock limit says about that limit. */
    private Optional<String> limitHit() {
        Optional<BootResult> r = run.result();
        if (r.isEmpty()) {
            return Optional.empty();
        }
        EfiemuSettings s = run.settings();
        if (r.get().outcome() == BootOutcome.BUDGET_EXHAUSTED) {
            return Optional.of("the run stopped at its instruction budget"
                    + (s.instructionBudget() >= 0 ? " of " + s.instructionBudget() + " instructions" : "")
                    + " (" + s.budgetSource() + ")");
        }
        if (r.get().outcome() == BootOutcome.TIME_LIMIT) {
            return Optional.of("the run stopped at its wall-clock limit"
                    + (s.wallClockSeconds() >= 0 ? " of " + s.wallClockSeconds() + " s" : "")
                    + " (" + s.wallClockSource() + ")");
        }
        return Optional.empty();
    }

    /** The same failure with the note appended to its message (AssertJ/opentest4j types kept where possible). */
    private static Throwable withNote(Throwable t, String note) {
        String message = (t.getMessage() == null ? t.getClass().getName() : t.getMessage()) + System.lineSeparator() + note;
        Throwable annotated;
        if (t instanceof AssertionFailedError a) {
            annotated = a.isExpectedDefined() || a.isActualDefined()
                    ? new AssertionFailedError(message, a.getExpected(), a.getActual(), t)
                    : new AssertionFailedError(message, t);
        } else if (t instanceof AssertionError) {
            annotated = new AssertionError(message, t);
        } else {
            t.addSuppressed(new EfiemuArtifactsNote(note));
            return t;
        }
        annotated.setStackTrace(t.getStackTrace());
        return annotated;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (!failed && run.hasMachine()) {
                if (run.settings().keep() == EfiemuTest.Keep.ALWAYS) {
                    RunArtifacts.write(run);
                } else {
                    RunArtifacts.delete(run.artifactsDirectory());
                }
            }
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("efiemu run on " + run.platformName() + ": " + e.getMessage(), (IOException) e.getCause());
        } finally {
            run.close();
        }
    }

    /** Carries the artifacts folder of a run whose test failed with an exception other than an assertion. */
    static final class EfiemuArtifactsNote extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EfiemuArtifactsNote(String note) {
            super(note, null, false, false);
        }
    }
}
