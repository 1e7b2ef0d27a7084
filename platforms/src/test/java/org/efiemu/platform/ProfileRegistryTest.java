package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileRegistryTest {

    @TempDir
    Path dir;

    @Test
    void builtInProfilesAreListedAndResolvableByName() throws Exception {
        ProfileRegistry r = new ProfileRegistry(dir.resolve("none"));
        assertThat(r.list()).extracting(ProfileRegistry.Entry::name)
                .contains("dell-poweredge-r820", "dell-poweredge-r820-1.5t", "ibm-system-x3550-m2", "lowalloc-firmware");
        assertThat(r.resolve("lowalloc-firmware").placement().name()).isEqualTo("low-first");
    }

    @Test
    void userProfileWinsOverBuiltInOfTheSameNameAndFilePathsResolve() throws Exception {
        ProfileRegistry r = new ProfileRegistry(dir);
        PlatformProfile mine = ProfileRegistry.builtIn("lowalloc-firmware").toBuilder().description("mine").build();
        Path f = r.save(mine);
        assertThat(f).isEqualTo(dir.resolve("lowalloc-firmware.profile"));
        assertThat(r.load("lowalloc-firmware").description()).isEqualTo("mine");
        assertThat(r.list()).filteredOn(e -> e.name().equals("lowalloc-firmware"))
                .singleElement().extracting(ProfileRegistry.Entry::origin).isEqualTo(ProfileRegistry.Origin.USER);
        Path other = dir.resolve("sub/x.profile");
        ProfileWriter.write(mine.toBuilder().name("x").build(), other);
        assertThat(r.resolve(other.toString()).name()).isEqualTo("x");
    }

    @Test
    void unknownNameListsWhatIsKnown() {
        ProfileRegistry r = new ProfileRegistry(dir);
        assertThatThrownBy(() -> r.resolve("dell-r9000")).hasMessageContaining("no profile named 'dell-r9000'")
                .hasMessageContaining("dell-poweredge-r820");
        assertThatThrownBy(() -> r.resolve("./missing.profile")).hasMessageContaining("does not exist");
    }

    @Test
    void userFolderIsEfiemuHomeProfilesElseXdgConfig() {
        assertThat(ProfileRegistry.defaultUserDirectory("/opt/e", "/home/u")).isEqualTo(Path.of("/opt/e/profiles"));
        assertThat(ProfileRegistry.defaultUserDirectory(null, "/home/u")).isEqualTo(Path.of("/home/u/.config/efiemu/profiles"));
    }

    @Test
    void brokenUserProfileIsReportedWithItsFileAndLine() throws Exception {
        Files.writeString(dir.resolve("bad.profile"), "name: bad\nmemory-map:\nEfiConventionalMemory 0x1000 0xF\n");
        assertThatThrownBy(() -> new ProfileRegistry(dir).list()).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("bad.profile:3:");
    }
}
