package org.efiemu.uefi.smbios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

class SmbiosTablesTest {

    record Parsed(int type, int length, int handle, int offset, List<String> strings) {
    }

    static final Guid UUID = Guid.parse("4C4C4544-0042-3510-8036-B8C04F4B4D31");
    static final ProcessorInfo XEON = new ProcessorInfo("CPU1", "Intel",
            "Intel(R) Xeon(R) CPU E5-2420 0 @ 1.90GHz", 0x206D7, 0xBFEBFBFF, 0xB3, 3600, 1900, 6, 12);

    final SmbiosTables t = new SmbiosTablesBuilder().bios("Dell Inc.", "2.4.2", "01/29/2015")
            .system("Dell Inc.", "PowerEdge R520", "", "ABC1234", UUID, "SKU=NotProvided", "")
            .socket(XEON).socket(new ProcessorInfo("CPU2", "Intel", XEON.version(), 0x206D7, 0xBFEBFBFF, 0xB3,
                    3600, 1900, 6, 12)).build(0xF0000);
    final byte[] b = t.bytes();

    static List<Parsed> parse(byte[] b, int start, int length) {
        List<Parsed> out = new ArrayList<>();
        int off = start;
        while (off < start + length) {
            int type = b[off] & 0xFF;
            int len = b[off + 1] & 0xFF;
            int handle = (b[off + 2] & 0xFF) | (b[off + 3] & 0xFF) << 8;
            List<String> strings = new ArrayList<>();
            int s = off + len;
            if (b[s] == 0 && b[s + 1] == 0) {
                s += 2;
            } else {
                while (b[s] != 0) {
                    int e = s;
                    while (b[e] != 0) {
                        e++;
                    }
                    strings.add(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
                    s = e + 1;
                }
                s++;
            }
            out.add(new Parsed(type, len, handle, off, strings));
            off = s;
        }
        return out;
    }

    @Test
    void entryPointHasAnchorChecksumAndTableLocation() {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(b, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("_SM3_");
        int sum = 0;
        for (int i = 0; i < 0x18; i++) {
            sum += b[i];
        }
        assertThat(sum & 0xFF).isZero();
        assertThat(b[6]).isEqualTo((byte) 0x18);
        assertThat(b[7]).isEqualTo((byte) 3);
        assertThat(bb.getInt(12)).isEqualTo(t.tableLength());
        assertThat(bb.getLong(16)).isEqualTo(t.tableAddress()).isEqualTo(0xF0040L);
        assertThat(b.length).isEqualTo(0x40 + t.tableLength());
    }

    @Test
    void structuresAreType0Type1OneType4PerSocketAndType127() {
        List<Parsed> s = parse(b, 0x40, t.tableLength());
        assertThat(s).extracting(Parsed::type).containsExactly(0, 1, 4, 4, 127);
        assertThat(s).extracting(Parsed::handle).containsExactly(0, 1, 2, 3, 4);
        assertThat(s).extracting(Parsed::length).containsExactly(0x1A, 0x1B, 0x30, 0x30, 4);
        assertThat(t.structureCount()).isEqualTo(5);
    }

    @Test
    void stringFieldsIndexTheStringSet() {
        List<Parsed> s = parse(b, 0x40, t.tableLength());
        Parsed bios = s.get(0);
        assertThat(bios.strings()).containsExactly("Dell Inc.", "2.4.2", "01/29/2015");
        assertThat(b[bios.offset() + 4]).isEqualTo((byte) 1);
        assertThat(b[bios.offset() + 8]).isEqualTo((byte) 3);
        Parsed sys = s.get(1);
        assertThat(sys.strings()).containsExactly("Dell Inc.", "PowerEdge R520", "ABC1234", "SKU=NotProvided");
        assertThat(b[sys.offset() + 6]).as("empty version is string 0").isZero();
        assertThat(b[sys.offset() + 7]).isEqualTo((byte) 3);
        assertThat(Guid.fromBytes(b, sys.offset() + 8)).isEqualTo(UUID);
    }

    @Test
    void processorStructureCarriesCpuidCountsAndSpeeds() {
        Parsed p = parse(b, 0x40, t.tableLength()).get(2);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int o = p.offset();
        assertThat(p.strings()).containsExactly("CPU1", "Intel", XEON.version());
        assertThat(bb.getInt(o + 8)).isEqualTo(0x206D7);
        assertThat(b[o + 6] & 0xFF).isEqualTo(0xB3);
        assertThat(bb.getShort(o + 0x14)).isEqualTo((short) 3600);
        assertThat(b[o + 0x23]).isEqualTo((byte) 6);
        assertThat(b[o + 0x25]).isEqualTo((byte) 12);
        assertThat(bb.getShort(o + 0x2E)).isEqualTo((short) 12);
        assertThat(b[o + 0x18]).isEqualTo((byte) 0x41);
    }

    @Test
    void endOfTableHasAnEmptyStringSet() {
        Parsed end = parse(b, 0x40, t.tableLength()).get(4);
        assertThat(end.strings()).isEmpty();
        assertThat(end.offset() + 4 + 2).isEqualTo(0x40 + t.tableLength());
    }

    @Test
    void thirtyTwoBitEntryPointHasBothChecksumsAndDescribesTheSameTable() {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int e = (int) (t.entryPoint32Address() - 0xF0000);
        assertThat(e).isEqualTo(0x20);
        assertThat(new String(b, e, 4, StandardCharsets.US_ASCII)).isEqualTo("_SM_");
        assertThat(new String(b, e + 0x10, 5, StandardCharsets.US_ASCII)).isEqualTo("_DMI_");
        assertThat(b[e + 5]).isEqualTo((byte) 0x1F);
        int sum = 0;
        for (int i = 0; i < 0x1F; i++) {
            sum += b[e + i];
        }
        assertThat(sum & 0xFF).as("entry point checksum").isZero();
        sum = 0;
        for (int i = 0x10; i < 0x1F; i++) {
            sum += b[e + i];
        }
        assertThat(sum & 0xFF).as("intermediate checksum").isZero();
        assertThat(b[e + 6]).isEqualTo((byte) 3);
        assertThat(b[e + 7]).isEqualTo((byte) 7);
        assertThat(bb.getShort(e + 0x16) & 0xFFFF).isEqualTo(t.tableLength());
        assertThat(bb.getInt(e + 0x18) & 0xFFFF_FFFFL).isEqualTo(t.tableAddress());
        assertThat(bb.getShort(e + 0x1C) & 0xFFFF).isEqualTo(t.structureCount());
        assertThat(b[e + 0x1E]).isEqualTo((byte) 0x37);
        List<Parsed> s = parse(b, 0x40, t.tableLength());
        int largest = s.stream().mapToInt(p -> {
            int next = s.indexOf(p) + 1 < s.size() ? s.get(s.indexOf(p) + 1).offset() : 0x40 + t.tableLength();
            return next - p.offset();
        }).max().orElseThrow();
        assertThat(bb.getShort(e + 8) & 0xFFFF).as("largest structure with its strings").isEqualTo(largest);
    }

    @Test
    void memoryArrayHasOneSixteenGibDeviceEachAndItsMappedRanges() {
        SmbiosTables m = new SmbiosTablesBuilder().socket(XEON).memory(40L << 30, List.of(
                new SmbiosTablesBuilder.MappedRange(0, 0xC000_0000L),
                new SmbiosTablesBuilder.MappedRange(0x1_0000_0000L, 0xB_0000_0000L))).build(0x1000);
        byte[] mb = m.bytes();
        ByteBuffer bb = ByteBuffer.wrap(mb).order(ByteOrder.LITTLE_ENDIAN);
        List<Parsed> s = parse(mb, 0x40, m.tableLength());
        assertThat(s).extracting(Parsed::type).containsExactly(0, 1, 4, 16, 17, 17, 17, 19, 19, 127);
        Parsed array = s.get(3);
        assertThat(array.length()).isEqualTo(0x17);
        assertThat(bb.getInt(array.offset() + 7)).as("maximum capacity in KiB").isEqualTo(40 << 20);
        assertThat(bb.getShort(array.offset() + 0x0D)).as("devices").isEqualTo((short) 3);
        assertThat(s.subList(4, 7)).extracting(p -> bb.getShort(p.offset() + 0x0C) & 0xFFFF)
                .as("sizes in MiB").containsExactly(16384, 16384, 8192);
        assertThat(s.subList(4, 7)).allSatisfy(p -> {
            assertThat(p.length()).isEqualTo(0x28);
            assertThat(bb.getShort(p.offset() + 4) & 0xFFFF).as("array handle").isEqualTo(array.handle());
            assertThat(mb[p.offset() + 0x0E]).as("DIMM").isEqualTo((byte) 9);
            assertThat(mb[p.offset() + 0x12]).as("RAM").isEqualTo((byte) 7);
        });
        assertThat(s.get(4).strings()).containsExactly("DIMM 0", "QEMU");
        Parsed low = s.get(7);
        assertThat(bb.getInt(low.offset() + 4)).isZero();
        assertThat(bb.getInt(low.offset() + 8)).isEqualTo((int) (0xC000_0000L / 1024 - 1));
        Parsed high = s.get(8);
        assertThat(bb.getInt(high.offset() + 4)).as("4 GiB in KiB").isEqualTo(0x40_0000);
        assertThat(bb.getInt(high.offset() + 8)).isEqualTo((int) (0xB_0000_0000L / 1024 - 1));
    }

    @Test
    void tableAbove4GibIsRefusedBecauseTheThirtyTwoBitEntryPointCannotReachIt() {
        assertThatThrownBy(() -> new SmbiosTablesBuilder().socket(XEON).build(0x1_0000_0000L))
                .hasMessageContaining("below 4 GiB");
        assertThatThrownBy(() -> new SmbiosTablesBuilder().memory(1000, List.of()))
                .hasMessageContaining("multiple of 1 MiB");
    }

    @Test
    void invalidInputIsRejectedNamingIt() {
        assertThatThrownBy(() -> new SmbiosTablesBuilder().build(0)).hasMessageContaining("at least one socket");
        assertThatThrownBy(() -> new ProcessorInfo("CPU1", "x", "y", 0, 0, 0xB3, 1, 1, 4, 2))
                .hasMessageContaining("CPU1").hasMessageContaining("cores <= threads");
        assertThatThrownBy(() -> new SmbiosTablesBuilder().bios("bad\0vendor", "1", "x").socket(XEON).build(0))
                .hasMessageContaining("expected printable");
    }

    @Test
    void aBuilderBuiltAgainAtAnotherBaseOrAfterAnInputChangedGivesWhatAFreshBuilderGives() {
        java.util.function.Supplier<SmbiosTablesBuilder> fresh = () -> new SmbiosTablesBuilder()
                .bios("Dell Inc.", "2.4.2", "01/29/2015").socket(XEON).memory(40L << 30, List.of(
                        new SmbiosTablesBuilder.MappedRange(0, 0xC000_0000L)));
        SmbiosTablesBuilder reused = fresh.get();
        reused.build(0);
        assertThat(reused.build(0x7F000000L).bytes()).isEqualTo(fresh.get().build(0x7F000000L).bytes());
        assertThat(reused.build(0x10).bytes()).isEqualTo(fresh.get().build(0x10).bytes());
        reused.memory(8L << 30, List.of(new SmbiosTablesBuilder.MappedRange(0, 0x8000_0000L)));
        assertThat(reused.build(0x7F000000L).bytes()).isEqualTo(fresh.get()
                .memory(8L << 30, List.of(new SmbiosTablesBuilder.MappedRange(0, 0x8000_0000L))).build(0x7F000000L).bytes());
        reused.socket(XEON).version(4).bios("A", "B", "02/02/2020")
                .system("M", "P", "V", "S", org.efiemu.uefi.spec.Guid.ZERO, "K", "F");
        assertThat(reused.build(0x7F000000L).bytes()).isEqualTo(fresh.get()
                .memory(8L << 30, List.of(new SmbiosTablesBuilder.MappedRange(0, 0x8000_0000L))).socket(XEON).version(4)
                .bios("A", "B", "02/02/2020").system("M", "P", "V", "S", org.efiemu.uefi.spec.Guid.ZERO, "K", "F")
                .build(0x7F000000L).bytes());
    }
}
