package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.webauthnkit.server.ceremonies.InMemoryCeremonyStore;
import io.github.webauthnkit.server.ceremonies.RegistrationCeremony;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The embedded ceremony state is bounded by the heap it runs in: on the heap the image gives a 512m container (64 MiB),
 * a flood of starts that completes none, from a hundred addresses (their per-address limits raised, as many more
 * addresses would together), takes the places of its own oldest ceremonies once the bound is reached; the server
 * stays up, and a user who started before the flood completes. With a fixed bound of 100,000 pending ceremonies
 * (about 117 MB) the flood of registrations ran the heap out and the server exited; with a bound that counted
 * ceremonies whatever their size, so did a flood of sign-ins to an account whose twenty passkeys have the longest ids;
 * and with a full store refusing every start, the user could not have started at all.
 */
class HeapBoundApiTest {
    private static final long HEAP = 64L << 20;
    private static final int FLOOD_ADDRESSES = 100;
    private static final String ORIGIN = "http://localhost:8443";

    @Test
    void aFloodOfPendingRegistrationsTakesItsOwnPlacesAndNotAUsers() throws Exception {
        // Four bounds' worth: past where a bound of 100,000 ran the heap out (40,821 pending).
        registrationsFloodAroundAUser(4, FLOOD_ADDRESSES + " addresses", HeapBoundApiTest::floodAddress, true);
    }

    @Test
    void theSlash64sOfOneSlash48ShareAFullStoresPlacesAsOneNetwork() throws Exception {
        // Each start from a /64 of its own, each holding one place like the user: counted by /64 alone, the user's
        // would be the first to give way (the earliest of equals).
        registrationsFloodAroundAUser(2, "/64s of one /48", i -> "2001:db8:77:" + Integer.toHexString(i) + "::1",
                true);
    }

    @Test
    void aFloodFromAsManyNetworksAsPlacesStillFitsTheHeap() throws Exception {
        // Every start from a /32 of its own, the most bookkeeping a ceremony can cost (about 1.3 KB besides its
        // state): the flood is as many networks as the store has places, so the user's ceremony gives way too, the
        // earliest of equals, and the user is told to start again; but the heap holds.
        registrationsFloodAroundAUser(2, "/32s of their own", i -> "2001:" + Integer.toHexString(1 + i) + ":1:1::1",
                false);
    }

    /**
     * A user starts a registration, then {@code bounds} times the bound's worth of registrations start from the
     * addresses {@code addressOf} gives, through the trusted proxy: all answer 200, all but the bound's worth give way,
     * the server stays up and the user completes ({@code userKept}) or is told to start again.
     */
    private static void registrationsFloodAroundAUser(int bounds, String from, IntFunction<String> addressOf,
                                                      boolean userKept) throws Exception {
        try (ServerProcess server = smallHeapServer()) {
            // The JVM's maximum heap is -Xmx less a survivor space: the bound is a quarter of a little under 64 MiB.
            int lowest = InMemoryCeremonyStore.boundFor(HEAP - HEAP / 16);
            int bound = InMemoryCeremonyStore.boundFor(HEAP);
            assertThat(bound).as("a small heap's bound").isLessThan(InMemoryCeremonyStore.MAX_PENDING / 5);
            PasskeyClient user = new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(ORIGIN,
                    SoftwareAuthenticator.Algorithm.ES256));
            JsonNode started = user.post("/register/start", PasskeyClient.object().put("username", "patient-user"),
                    null).expect(200).body();

            int starts = bounds * bound;
            RawHttp http = new RawHttp(server.baseUrl());
            long began = System.nanoTime();
            Map<Integer, Integer> answers = Flood.send(List.of(server), starts, (to, i) -> to.get(0).post(
                    "/register/start", "{\"username\": \"flood-" + i + "\"}", "X-Forwarded-For", addressOf.apply(i)));
            long evicted = Flood.evicted(http);
            System.out.println("[heap bound] -Xmx" + (HEAP >> 20) + "m, bound " + bound + ": " + starts
                    + " registration starts from " + from + " in " + (System.nanoTime() - began) / 1_000_000
                    + " ms, answers " + answers + ", " + evicted + " gave way");

            assertThat(answers).as("every start answered 200").isEqualTo(Map.of(200, starts));
            // All but the bound's worth gave way.
            assertThat(evicted).isBetween((long) starts + 1 - bound, (long) starts + 1 - lowest);
            if (userKept) {
                user.completeRegistration(started, null).expect(201);
            } else {
                assertThat(assertError(user.completeRegistration(started, null), 400, "unknown_request")
                        .path("message").asText()).endsWith("start the ceremony again.");
            }
            assertStillServing(server, http);
        }
    }

    @Test
    void signInsToAnAccountWithTwentyLongPasskeyIdsTakeTheirSizeInTheBound() throws Exception {
        try (ServerProcess server = smallHeapServer()) {
            String username = "many-long-passkeys";
            PasskeyClient owner = device(server);
            owner.register(username);
            String manage = owner.manage(owner.signIn(username));
            // Each on a device of its own: an authenticator creates one passkey per account.
            for (int held = 1; held < RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT; held++) {
                device(server).addPasskey(manage);
            }
            int bound = InMemoryCeremonyStore.boundFor(HEAP);

            JsonNode started = owner.startAuthentication(username).expect(200).body();
            assertThat(started.path("publicKey").path("allowCredentials"))
                    .hasSize(RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT);
            // Each such start takes twenty places (its state is about 29 KB): four bounds' worth is past where, counted
            // as one place each, they ran the heap out (1,594 pending).
            int starts = 4 * bound / 20;
            RawHttp http = new RawHttp(server.baseUrl());
            Map<Integer, Integer> answers = Flood.send(List.of(server), starts, (to, i) -> to.get(0).post(
                    "/authenticate/start", "{\"username\": \"" + username + "\"}", "X-Forwarded-For", floodAddress(i)));
            long evicted = Flood.evicted(http);
            System.out.println("[heap bound] -Xmx" + (HEAP >> 20) + "m, bound " + bound + " places: " + starts
                    + " sign-in starts with " + RegistrationCeremony.MAX_PASSKEYS_PER_ACCOUNT
                    + " passkey ids of 1023 bytes from " + FLOOD_ADDRESSES + " addresses, answers " + answers + ", "
                    + evicted + " gave way");

            assertThat(answers).as("every start answered 200").isEqualTo(Map.of(200, starts));
            // Twenty places each: about a twentieth of the bound is kept.
            assertThat(evicted).isBetween((long) starts - bound / 20 - 1, (long) starts - bound / 25);
            assertThat(owner.completeAuthentication(started).expect(200).body().path("access_token").asText())
                    .isNotEmpty();
            assertStillServing(server, http);
        }
    }

    private static ServerProcess smallHeapServer() {
        Map<String, String> environment = new HashMap<>(ServerProcess.embedded(ORIGIN));
        environment.put("WEBAUTHN_TRUST_PROXY", "true");
        environment.put("WEBAUTHN_TRUSTED_PROXIES", "127.0.0.0/8");
        return ServerProcess.start(environment, List.of("-XX:+UseSerialGC", "-Xmx" + (HEAP >> 20) + "m"));
    }

    /**
     * The address a flood request comes from, as the trusted proxy names it: one of {@link #FLOOD_ADDRESSES}. Their
     * pending limit is raised (100,000 places, {@code TestServer.GENEROUS_LIMITS}): at the default of 100, 100
     * addresses could not fill the store, so each stands for many.
     */
    private static String floodAddress(int i) {
        return "10.0.0." + (1 + i % FLOOD_ADDRESSES);
    }

    /** A client whose authenticator's next passkey has an id of 1023 bytes, the longest a server must accept. */
    private static PasskeyClient device(ServerProcess server) {
        SoftwareAuthenticator.Tamper longestId = new SoftwareAuthenticator.Tamper();
        longestId.credentialIdLength = 1023;
        return new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(ORIGIN,
                SoftwareAuthenticator.Algorithm.ES256).tamperNext(longestId));
    }

    private static void assertStillServing(ServerProcess server, RawHttp http) {
        assertThat(server.awaitExit(Duration.ofMillis(500))).as("the server, still running: " + server.log()).isEmpty();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        assertThat(server.log()).doesNotContain("OutOfMemoryError").contains("event=\"ceremony_store_full\"");
    }
}
