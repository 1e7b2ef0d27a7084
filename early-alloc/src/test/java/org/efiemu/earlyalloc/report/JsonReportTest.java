package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonReportTest {
    @Test
    void jsonRoundTripGivesAnEqualReport() {
        Report r = SampleReports.sample();
        assertThat(JsonReport.parse(JsonReport.render(r))).isEqualTo(r);
    }

    @Test
    void jsonIsByteIdenticalForEqualReports() {
        assertThat(JsonReport.render(SampleReports.sample())).isEqualTo(JsonReport.render(SampleReports.sample()));
        Report r = SampleReports.sample();
        assertThat(JsonReport.render(JsonReport.parse(JsonReport.render(r)))).isEqualTo(JsonReport.render(r));
    }

    @Test
    void addressesAndAttributesAreWrittenAsUnsignedHexStrings() {
        String json = JsonReport.render(SampleReports.sample());
        assertThat(json).contains("\"address\" : \"0x9F000\"", "\"rip\" : \"0x80012A4\"", "\"attribute\" : \"0x8000000000000008\"");
    }

    @Test
    void derivedIdAndMatchFlagAreWrittenForReaders() {
        String json = JsonReport.render(SampleReports.sample());
        assertThat(json).contains("\"id\" : \"dell-poweredge-r820/static-pool-64k\"", "\"matchesExpected\" : false");
    }

    @Test
    void jsonUsesTwoSpaceIndentsAndLinefeedsOnly() {
        String json = JsonReport.render(SampleReports.sample());
        assertThat(json).startsWith("{\n  \"title\" : \"Early allocator matrix\",\n").endsWith("}\n").doesNotContain("\r");
    }

    @Test
    void parseRejectsUnknownFieldsWithJacksonsLocation() {
        String json = JsonReport.render(SampleReports.sample()).replaceFirst("\\{", "{ \"bogus\" : 1,");
        assertThatThrownBy(() -> JsonReport.parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid efiemu report.json")
                .hasMessageContaining("Unrecognized field \"bogus\"")
                .hasMessageContaining("line: ");
    }
}
