package org.efiemu.uefi.debug;

import java.nio.file.Path;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.platform.PlatformDescription;

/** Platforms and payloads for the debugger tests: the module's shared {@link TestPlatforms}. */
public final class DebugTestPlatforms {
    private DebugTestPlatforms() {}

    /** The module's copy of the OVMF q35 2 GiB profile. */
    public static PlatformDescription ovmfQ35() {
        return TestPlatforms.ovmfQ35();
    }

    /** A payload built by the module's generate-test-resources step. */
    public static Path payload(String name) {
        return TestPlatforms.payload(name);
    }
}
