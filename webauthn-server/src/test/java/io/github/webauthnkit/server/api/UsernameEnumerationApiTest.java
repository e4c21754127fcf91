package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Whether a username has an account is not visible from the start steps: for an unknown username, sign-in offers a
 * made-up passkey that looks like a real one (same fields, an id of the same length, transports), is the same on
 * every replica and after a restart (derived from the username with a secret of the installation, kept in the
 * database), and is answered as fast; registration never lists a username's passkeys.
 */
class UsernameEnumerationApiTest {
    /**
     * A median difference of answer times below this, or below a fifth of the typical difference between two
     * answers on a busy machine, is noise (one database round trip takes about 150 µs here).
     */
    private static final long NOISE_FLOOR_NANOS = 150_000;

    /** The body with every value replaced by its kind: what stays the same whoever asks. */
    private static JsonNode shape(JsonNode node) {
        if (node.isObject()) {
            ObjectNode shape = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(field -> shape.set(field.getKey(), shape(field.getValue())));
            return shape;
        }
        if (node.isArray()) {
            Set<JsonNode> elements = new HashSet<>();
            node.forEach(element -> elements.add(shape(element)));
            return JsonNodeFactory.instance.arrayNode().addAll(elements);
        }
        return JsonNodeFactory.instance.textNode(node.getNodeType().toString());
    }

    private static PasskeyClient client(TestServer server) {
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(), Algorithm.ES256));
    }

    private static JsonNode signInOptions(TestServer server, String username) {
        return client(server).startAuthentication(username).expect(200).body();
    }

    @Test
    void anUnknownUsernameLooksLikeAKnownOne() {
        try (TestServer server = TestServer.start("ES256", Map.of())) {
            PasskeyClient heidi = client(server);
            String known = unique("heidi");
            heidi.register(known);
            JsonNode forKnown = signInOptions(server, known);
            JsonNode forUnknown = signInOptions(server, unique("nobody"));
            assertThat(shape(forUnknown)).as("the whole answer's fields and kinds of value").isEqualTo(shape(forKnown));
            JsonNode knownPasskey = forKnown.path("publicKey").path("allowCredentials").get(0);
            JsonNode madeUp = forUnknown.path("publicKey").path("allowCredentials").get(0);
            assertThat(forUnknown.path("publicKey").path("allowCredentials")).hasSameSizeAs(
                    forKnown.path("publicKey").path("allowCredentials"));
            assertThat(madeUp.path("id").asText()).hasSameSizeAs(knownPasskey.path("id").asText());
            assertThat(madeUp.path("type").asText()).isEqualTo(knownPasskey.path("type").asText());
            assertThat(madeUp.path("transports")).as("a real passkey's transports are always listed").isNotEmpty()
                    .allMatch(t -> Set.of("usb", "nfc", "ble", "smart-card", "hybrid", "internal").contains(t.asText()));
            // What differs in every answer, known or not, is the challenge.
            ObjectNode a = forKnown.deepCopy();
            ObjectNode b = forUnknown.deepCopy();
            for (ObjectNode body : List.of(a, b)) {
                body.remove("requestId");
                ((ObjectNode) body.path("publicKey")).remove(List.of("challenge", "allowCredentials"));
            }
            assertThat(b).isEqualTo(a);

            JsonNode registerKnown = heidi.post("/register/start", PasskeyClient.object().put("username", known), null)
                    .expect(200).body();
            JsonNode registerUnknown = heidi.post("/register/start",
                    PasskeyClient.object().put("username", unique("free")), null).expect(200).body();
            assertThat(shape(registerKnown)).isEqualTo(shape(registerUnknown));
            assertThat(registerKnown.path("publicKey").path("excludeCredentials")).isEmpty();
            PasskeyClient.Response taken = client(server).completeRegistration(heidi.post("/register/start",
                    PasskeyClient.object().put("username", known), null).body(), null);
            assertError(taken, 409, "username_unavailable");
        }
    }

    /**
     * The made-up passkey of a username is the same on every replica and after a restart, as a real one is: two
     * servers on one database, then one of them started again. Different usernames get different ones.
     */
    @Test
    void theMadeUpPasskeyIsTheSameOnEveryReplicaAndAfterARestart() {
        try (PostgresServer postgres = PostgresServer.start()) {
            Map<String, String> database = Map.of("WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER",
                    postgres.user(), "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString());
            String ghost = unique("ghost");
            JsonNode first;
            try (TestServer a = TestServer.start("ES256", database); TestServer b = TestServer.start("ES256", database)) {
                first = signInOptions(a, ghost).path("publicKey").path("allowCredentials");
                assertThat(signInOptions(a, ghost).path("publicKey").path("allowCredentials")).isEqualTo(first);
                assertThat(signInOptions(b, ghost).path("publicKey").path("allowCredentials")).as("another replica")
                        .isEqualTo(first);
                assertThat(signInOptions(b, ghost.toUpperCase()).path("publicKey").path("allowCredentials"))
                        .as("usernames are case-insensitive").isEqualTo(first);
                assertThat(signInOptions(a, unique("ghost")).path("publicKey").path("allowCredentials").get(0)
                        .path("id")).isNotEqualTo(first.get(0).path("id"));
            }
            try (TestServer restarted = TestServer.start("ES256", database)) {
                assertThat(signInOptions(restarted, ghost).path("publicKey").path("allowCredentials"))
                        .as("after a restart").isEqualTo(first);
            }
        }
    }

    /**
     * Answering for an unknown username takes as long as for a known one, within the noise of the measurement: the
     * median of paired differences (a known and an unknown name asked one after the other, in alternating order) is
     * small next to the differences between single answers. The machine is shared, so a round may be noisy: a
     * difference that is real shows in every one of three rounds, noise does not.
     */
    @Test
    void anUnknownUsernameIsAnsweredAsFast() {
        try (TestServer server = TestServer.start("ES256", Map.of())) {
            String known = unique("timed");
            client(server).register(known);
            RawHttp http = new RawHttp(server.baseUrl());
            pairedDifferences(http, known, 100);
            List<String> rounds = new ArrayList<>();
            long difference = Long.MAX_VALUE;
            long noise = 0;
            for (int round = 0; round < 3 && Math.abs(difference) >= noise; round++) {
                List<Long> differences = pairedDifferences(http, known, 200);
                difference = median(differences);
                long typical = median(differences.stream().map(Math::abs).toList());
                noise = Math.max(NOISE_FLOOR_NANOS, typical / 5);
                rounds.add(String.format("known - unknown %+.3f ms (typical |difference| %.3f ms)", difference / 1e6,
                        typical / 1e6));
            }
            System.out.println("[enumeration] /authenticate/start, median of paired differences: " + rounds);
            assertThat(Math.abs(difference)).as("the last of the rounds " + rounds).isLessThan(noise);
        }
    }

    /** Known minus unknown answer time, per pair; which of the two goes first alternates. */
    private static List<Long> pairedDifferences(RawHttp http, String known, int pairs) {
        List<Long> differences = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            long knownNanos = 0;
            long unknownNanos = 0;
            for (boolean isKnown : List.of(i % 2 == 0, i % 2 != 0)) {
                String body = "{\"username\": \"" + (isKnown ? known : "nobody-" + i) + "\"}";
                long started = System.nanoTime();
                assertThat(http.post("/authenticate/start", body).statusCode()).isEqualTo(200);
                long took = System.nanoTime() - started;
                if (isKnown) {
                    knownNanos = took;
                } else {
                    unknownNanos = took;
                }
            }
            differences.add(knownNanos - unknownNanos);
        }
        return differences;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
