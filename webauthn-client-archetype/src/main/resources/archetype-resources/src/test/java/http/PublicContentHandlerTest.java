package ${package}.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request headers the public-content handler reads itself: If-None-Match and Accept-Encoding. */
class PublicContentHandlerTest {
    @ParameterizedTest(name = "If-None-Match [{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "\"abc\"                 | true",
        "W/\"abc\"               | true",
        "\"x\", \"abc\"          | true",
        "\"x\",W/\"abc\"         | true",
        "*                       | true",
        "\"abcd\"                | false",
        "abc                     | false",
        "\"ab\"                  | false",
        "''                      | false",
    })
    void ifNoneMatchComparesEveryListedTagWeakly(String header, boolean matches) {
        assertThat(PublicContentHandler.matches(header, "\"abc\"")).isEqualTo(matches);
    }

    @ParameterizedTest(name = "Accept-Encoding [{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "gzip                    | true",
        "GZIP                    | true",
        "br, gzip;q=0.5          | true",
        "gzip; q=1.0             | true",
        "gzip;q=0                | false",
        "gzip;q=0.000            | false",
        "gzip ; q=0.0 , br       | false",
        "br, deflate             | false",
        "x-gzip                  | false",
        "''                      | false",
    })
    void gzipIsSentOnlyWhenTheClientAcceptsIt(String header, boolean accepted) {
        assertThat(PublicContentHandler.acceptsGzip(header)).isEqualTo(accepted);
    }

    @Test
    void absentHeadersMatchNothing() {
        assertThat(PublicContentHandler.matches(null, "\"abc\"")).isFalse();
        assertThat(PublicContentHandler.acceptsGzip(null)).isFalse();
    }
}
