package org.efiemu.uefi.devicepath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.efiemu.uefi.spec.Guid;

class DevicePathPropertiesTest {

    @Provide
    Arbitrary<List<DevicePathNode>> nodes() {
        Arbitrary<DevicePathNode> pci = Combinators.combine(Arbitraries.integers().between(0, 31),
                Arbitraries.integers().between(0, 7)).as(DevicePath::pci);
        Arbitrary<DevicePathNode> root = Arbitraries.integers().between(0, 255).map(DevicePath::pciRoot);
        Arbitrary<DevicePathNode> sata = Combinators.combine(Arbitraries.integers().between(0, 0xFFFF),
                Arbitraries.integers().between(0, 0xFFFF), Arbitraries.integers().between(0, 0xFFFF))
                .as(DevicePath::sata);
        Arbitrary<DevicePathNode> hd = Combinators.combine(Arbitraries.integers().between(1, 128),
                Arbitraries.longs().between(0, 1L << 40), Arbitraries.longs().between(1, 1L << 40),
                Arbitraries.longs(), Arbitraries.longs())
                .as((n, start, size, hi, lo) -> DevicePath.hardDriveGpt(n, start, size,
                        Guid.fromBytes(java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array())));
        Arbitrary<DevicePathNode> file = Arbitraries.strings().withCharRange('A', 'Z').withChars('\\', '.', '_')
                .ofMinLength(1).ofMaxLength(40).map(s -> DevicePath.filePath("\\" + s));
        return Arbitraries.oneOf(pci, root, sata, hd, file).list().ofMaxSize(8);
    }

    @Property(tries = 300)
    void bytesRoundTripThroughParse(@ForAll("nodes") List<DevicePathNode> nodes) {
        DevicePath p = DevicePath.of(nodes.toArray(DevicePathNode[]::new));
        byte[] bytes = p.toBytes();
        assertThat(DevicePath.parse(bytes)).isEqualTo(p);
        assertThat(p.size()).isEqualTo(bytes.length);
    }

    @Property(tries = 300)
    void textRoundTripsWhenNoFilePathFollowsAFilePath(@ForAll("nodes") List<DevicePathNode> nodes) {
        DevicePath p = DevicePath.of(nodes.toArray(DevicePathNode[]::new));
        DevicePath back = DevicePath.fromText(p.toString());
        // adjacent file path nodes print joined by '/', which reads back as the same two nodes
        assertThat(back.toString()).isEqualTo(p.toString());
    }

    @Property(tries = 300)
    void truncatedPathsAreRejectedNeverMisread(@ForAll("nodes") List<DevicePathNode> nodes,
            @ForAll("cut") int cut) {
        byte[] bytes = DevicePath.of(nodes.toArray(DevicePathNode[]::new)).toBytes();
        int limit = Math.min(cut, bytes.length - 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DevicePath.parse(bytes, 0, limit))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Provide
    Arbitrary<Integer> cut() {
        return Arbitraries.integers().between(0, 400);
    }
}
