package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * X-Forwarded-For is a header any client can send: with WEBAUTHN_TRUST_PROXY it names the client only when the
 * connection comes from one of WEBAUTHN_TRUSTED_PROXIES, and only a well-formed address in it counts. The address the
 * server settled on is the one its audit events name.
 */
class ForwardedForApiTest {
    private static final String UNKNOWN_REQUEST = "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}";

    /** The address the server names for a refused request carrying the given X-Forwarded-For (null: none). */
    private static String seenAs(TestServer server, List<AuthEvent> events, String forwardedFor) {
        RawHttp http = new RawHttp(server.baseUrl());
        events.clear();
        assertError(forwardedFor == null ? http.post("/authenticate/complete", UNKNOWN_REQUEST)
                : http.post("/authenticate/complete", UNKNOWN_REQUEST, "X-Forwarded-For", forwardedFor),
                400, "unknown_request");
        return events.stream().filter(e -> e.type() == AuthEvent.Type.REFUSED).findFirst().orElseThrow()
                .clientAddress();
    }

    @Test
    void theHeaderCountsOnlyFromATrustedProxy() {
        List<AuthEvent> events = new CopyOnWriteArrayList<>();
        try (TestServer behindProxy = TestServer.start("ES256", Map.of("WEBAUTHN_TRUST_PROXY", "true",
                "WEBAUTHN_TRUSTED_PROXIES", "127.0.0.0/8, ::1"), b -> b.eventListener(events::add))) {
            assertThat(seenAs(behindProxy, events, "203.0.113.7")).isEqualTo("203.0.113.7");
            assertThat(seenAs(behindProxy, events, null)).isEqualTo("127.0.0.1");
            // A chain: the client is the rightmost hop that is not one of the trusted proxies.
            assertThat(seenAs(behindProxy, events, "198.51.100.1, 203.0.113.7, 127.0.0.5")).isEqualTo("203.0.113.7");
            assertThat(seenAs(behindProxy, events, "2001:DB8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
            // What is not an address does not count: the nearest trusted hop is the client.
            assertThat(seenAs(behindProxy, events, "evil.example")).isEqualTo("127.0.0.1");
            assertThat(seenAs(behindProxy, events, "203.0.113.7, not-an-ip")).isEqualTo("127.0.0.1");
            assertThat(seenAs(behindProxy, events, "999.1.1.1")).isEqualTo("127.0.0.1");
            assertThat(seenAs(behindProxy, events, "x".repeat(2000))).isEqualTo("127.0.0.1");
        }
    }

    /** Proxy trust on, but the connection does not come from a listed proxy: the header is ignored. */
    @Test
    void aClientThatIsNotATrustedProxyCannotNameItsAddress() {
        List<AuthEvent> events = new CopyOnWriteArrayList<>();
        try (TestServer elsewhere = TestServer.start("ES256", Map.of("WEBAUTHN_TRUST_PROXY", "true",
                "WEBAUTHN_TRUSTED_PROXIES", "192.0.2.10, 10.0.0.0/8", "WEBAUTHN_RATE_LIMIT_ADDRESS", "3",
                "WEBAUTHN_RATE_LIMIT_WINDOW", "1m"), b -> b.eventListener(events::add))) {
            assertThat(seenAs(elsewhere, events, "203.0.113.7")).isEqualTo("127.0.0.1");
            seenAs(elsewhere, events, "203.0.113.8");
            seenAs(elsewhere, events, "203.0.113.9");
            RawHttp http = new RawHttp(elsewhere.baseUrl());
            assertError(http.post("/authenticate/start", "{}", "X-Forwarded-For", "203.0.113.10"), 429,
                    "rate_limited");
        }
    }

    /** Through the trusted proxy /health says UP or DOWN and nothing else; direct callers get the whole report. */
    @Test
    void healthThroughTheProxyTellsTheStatusAlone() {
        try (TestServer behindProxy = TestServer.start("ES256", Map.of("WEBAUTHN_TRUST_PROXY", "true",
                "WEBAUTHN_TRUSTED_PROXIES", "127.0.0.0/8, ::1"));
             TestServer direct = TestServer.start("ES256", Map.of("WEBAUTHN_TRUST_PROXY", "true",
                     "WEBAUTHN_TRUSTED_PROXIES", "192.0.2.10"))) {
            HttpResponse<String> outside = new RawHttp(behindProxy.baseUrl()).get("/health");
            assertThat(outside.statusCode()).isEqualTo(200);
            assertThat(outside.body()).isEqualTo("{\"status\":\"UP\"}");
            HttpResponse<String> internal = new RawHttp(direct.baseUrl()).get("/health");
            assertThat(internal.statusCode()).isEqualTo(200);
            assertThat(internal.body()).contains("\"status\":\"UP\"").contains("\"store\":\"UP\"")
                    .contains("\"signingKey\":\"test-");
        }
    }
}
