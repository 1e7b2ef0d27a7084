package org.efiemu.earlyalloc.cli;

import org.efiemu.core.engine.Engine;
import picocli.CommandLine.IVersionProvider;

/** {@code efiemu --version}: efiemu's version (from the jar manifest) and the loaded Unicorn library's uc_version. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String unicorn;
        try {
            unicorn = "Unicorn " + Engine.version();
        } catch (RuntimeException | LinkageError e) {
            unicorn = "Unicorn not loadable: " + e.getMessage();
        }
        return new String[] {"efiemu " + efiemuVersion(), unicorn, "Java " + Runtime.version()};
    }

    /** The Implementation-Version of the efiemu jar, or {@code development build} when run from classes. */
    public static String efiemuVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
