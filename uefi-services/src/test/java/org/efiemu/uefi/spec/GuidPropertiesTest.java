package org.efiemu.uefi.spec;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class GuidPropertiesTest {

    @Property
    void bytesAndRegistryFormRoundTrip(@ForAll byte[] seed) {
        byte[] sixteen = new byte[16];
        System.arraycopy(seed, 0, sixteen, 0, Math.min(16, seed.length));
        Guid g = Guid.fromBytes(sixteen);
        assertThat(g.toBytes()).isEqualTo(sixteen);
        assertThat(Guid.parse(g.registryForm())).isEqualTo(g);
        assertThat(Guid.parse(g.registryForm().toLowerCase())).isEqualTo(g);
    }
}
