package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"30s,PT30S", "15m,PT15M", "1h,PT1H", "180d,PT4320H", "PT1H,PT1H", "pt90m,PT1H30M", " 2h ,PT2H",
        "P1D,PT24H"})
    void acceptsShortAndIsoForms(String text, String expected) throws Exception {
        assertThat(Durations.parse("webauthn.keys.tokenTtl", text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @CsvSource({"180d,180d", "P1D,1d", "36h,36h", "90m,90m", "PT1H30M,90m", "45s,45s", "PT61S,61s"})
    void formatsInTheLargestExactShortForm(String text, String expected) throws Exception {
        assertThat(Durations.format(Durations.parse("webauthn.keys.rotationInterval", text))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "0s", "-1h", "1w", "PT-5M", "1.5h", "h"})
    void refusesAnythingElseNamingPropertyAndForms(String text) {
        assertThatThrownBy(() -> Durations.parse("webauthn.keys.publishAhead", text))
                .isInstanceOf(KeyRingException.class)
                .hasMessageContaining("webauthn.keys.publishAhead")
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("PT15M")
                .hasMessageContaining("180d");
    }
}
