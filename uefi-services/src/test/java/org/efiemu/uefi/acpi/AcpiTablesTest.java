package org.efiemu.uefi.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AcpiTablesTest {

    static final long BASE = 0x7FB7_E000L;

    final AcpiTables t = new AcpiTablesBuilder().oemId("DELL").oemTableId("PE_SC3").cpuCount(4).build(BASE);
    final byte[] b = t.bytes();
    final ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);

    int at(String sig) {
        return (int) (t.addresses().get(sig) - BASE);
    }

    String str(int off, int len) {
        return new String(b, off, len, StandardCharsets.US_ASCII);
    }

    @Test
    void rsdpIsRevision2WithBothChecksumsAndPointsToXsdt() {
        assertThat(t.rsdpAddress()).isEqualTo(BASE + 64);  // after the 64-byte FACS at the (64-byte aligned) base
        int r = at("RSD PTR ");
        assertThat(str(r, 8)).isEqualTo("RSD PTR ");
        assertThat(str(r + 9, 6)).isEqualTo("DELL  ");
        assertThat(b[r + 15]).isEqualTo((byte) 2);
        assertThat(bb.getInt(r + 20)).isEqualTo(36);
        assertThat(bb.getLong(r + 24)).isEqualTo(t.addresses().get("XSDT"));
        assertThat(Integer.toUnsignedLong(bb.getInt(r + 16))).isEqualTo(t.addresses().get("RSDT"));
        assertThat(AcpiTables.checksumOk(b, r, 20)).isTrue();
        assertThat(AcpiTables.checksumOk(b, r, 36)).isTrue();
    }

    @Test
    void everyTableHasAValidChecksumLengthAndOemIds() {
        for (String sig : new String[] {"XSDT", "RSDT", "FACP", "DSDT", "APIC"}) {
            int off = at(sig);
            int len = bb.getInt(off + 4);
            assertThat(str(off, 4)).isEqualTo(sig);
            assertThat(AcpiTables.checksumOk(b, off, len)).as(sig + " checksum").isTrue();
            assertThat(str(off + 10, 6)).isEqualTo("DELL  ");
            assertThat(str(off + 16, 8)).isEqualTo("PE_SC3  ");
        }
    }

    @Test
    void xsdtListsFadtAndMadtAndFadtPointsToDsdt() {
        int x = at("XSDT");
        assertThat(bb.getInt(x + 4)).isEqualTo(36 + 16);
        assertThat(bb.getLong(x + 36)).isEqualTo(t.addresses().get("FACP"));
        assertThat(bb.getLong(x + 44)).isEqualTo(t.addresses().get("APIC"));
        int f = at("FACP");
        assertThat(bb.getInt(f + 4)).isEqualTo(276);
        assertThat(b[f + 8]).isEqualTo((byte) 6);
        assertThat(bb.getLong(f + 140)).isEqualTo(t.addresses().get("DSDT"));
        assertThat(Integer.toUnsignedLong(bb.getInt(f + 40))).isEqualTo(t.addresses().get("DSDT"));
        assertThat(bb.getInt(at("DSDT") + 4)).isEqualTo(48);
    }

    @Test
    void fadtHasOvmfsPowerManagementBlocksFacsAndTheDsdtHoldsS5() {
        int f = at("FACP");
        assertThat(t.addresses().get("FACS") % 64).isZero();
        assertThat(str(at("FACS"), 4)).isEqualTo("FACS");
        assertThat(bb.getLong(f + 132)).isEqualTo(t.addresses().get("FACS"));
        assertThat(bb.getShort(f + 46)).isEqualTo((short) 9);          // SCI_INT
        assertThat(bb.getInt(f + 48)).isZero();                         // no SMI_CMD: in ACPI mode from the start
        assertThat(bb.getInt(f + 56)).isEqualTo(0x600);                 // PM1a_EVT_BLK
        assertThat(bb.getInt(f + 64)).isEqualTo(0x604);                 // PM1a_CNT_BLK
        assertThat(bb.getInt(f + 76)).isEqualTo(0x608);                 // PM_TMR_BLK
        assertThat(new int[] {b[f + 88], b[f + 89], b[f + 91]}).containsExactly(4, 2, 4);
        assertThat(bb.getInt(f + 112)).isEqualTo(0x84A5);               // Flags, as OVMF 2022.11 on q35
        assertThat(b[f + 116]).isEqualTo((byte) 1);                     // RESET_REG in system I/O
        assertThat(bb.getLong(f + 120)).isEqualTo(0xCF9);
        assertThat(b[f + 128]).isEqualTo((byte) 0x0F);
        assertThat(b[f + 172]).isEqualTo((byte) 1);                     // X_PM1a_CNT_BLK: I/O, 16 bits, 0x604
        assertThat(b[f + 173]).isEqualTo((byte) 16);
        assertThat(bb.getLong(f + 176)).isEqualTo(0x604);
        int d = at("DSDT");
        byte[] aml = java.util.Arrays.copyOfRange(b, d + 36, d + 48);
        assertThat(aml).containsExactly(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0);
    }

    @Test
    void madtHasOneEnabledLocalApicPerCpuAndAnIoApic() {
        int m = at("APIC");
        int len = bb.getInt(m + 4);
        assertThat(Integer.toUnsignedLong(bb.getInt(m + 36))).isEqualTo(0xFEE0_0000L);
        int cpus = 0;
        int ioApics = 0;
        for (int off = m + 44; off < m + len; off += b[off + 1] & 0xFF) {
            if (b[off] == 0) {
                assertThat(b[off + 3]).isEqualTo((byte) cpus);
                assertThat(bb.getInt(off + 4)).isEqualTo(1);
                cpus++;
            } else if (b[off] == 1) {
                assertThat(Integer.toUnsignedLong(bb.getInt(off + 4))).isEqualTo(0xFEC0_0000L);
                ioApics++;
            }
        }
        assertThat(cpus).isEqualTo(4);
        assertThat(ioApics).isEqualTo(1);
    }

    @Test
    void cpusBeyondApicId254UseX2ApicEntries() {
        AcpiTables big = new AcpiTablesBuilder().cpuCount(300).build(0x1000);
        byte[] d = big.bytes();
        ByteBuffer bbb = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        int m = (int) (big.addresses().get("APIC") - 0x1000);
        int x2 = 0;
        for (int off = m + 44; off < m + bbb.getInt(m + 4); off += d[off + 1] & 0xFF) {
            if (d[off] == 9) {
                x2++;
            }
        }
        assertThat(x2).isEqualTo(300 - 255);
        assertThat(AcpiTables.checksumOk(d, m, bbb.getInt(m + 4))).isTrue();
    }

    @Test
    void tablesAbove4GiBHaveNoRsdt() {
        AcpiTables high = new AcpiTablesBuilder().build(0x1_0000_0000L);
        assertThat(high.addresses()).doesNotContainKey("RSDT");
        assertThat(ByteBuffer.wrap(high.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(16)).isZero();
    }

    @Test
    void badOemIdOrAlignmentIsRejected() {
        assertThatThrownBy(() -> new AcpiTablesBuilder().oemId("TOOLONGID")).hasMessageContaining("oemId 'TOOLONGID'");
        assertThatThrownBy(() -> new AcpiTablesBuilder().build(0x1004)).hasMessageContaining("16-byte alignment");
    }
}
