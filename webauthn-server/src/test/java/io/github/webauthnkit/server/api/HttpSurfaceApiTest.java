package io.github.webauthnkit.server.api;

import static io.github.webauthnkit.server.api.ApiAssertions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.http.HttpApi;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.TestServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every response carries (security headers, no CORS), the operational endpoints (/health, /metrics, the JWKS)
 * and the web client's files, with their caching headers.
 */
class HttpSurfaceApiTest {
    private static final String EVIL = "https://evil.example";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestServer server;
    private static RawHttp http;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        http = new RawHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyResponseCarriesSecurityHeaders() {
        List<HttpResponse<String>> responses = List.of(http.get("/"), http.get("/app.js"), http.get("/health"),
                http.get("/metrics"), http.get("/.well-known/jwks.json"), http.get("/credentials"),
                http.get("/nowhere"),
                http.post("/register/start", "{}"), http.post("/authenticate/start", "{}"),
                http.post("/account/start", "{}"),
                http.post("/register/start", "{\"username\": \"" + "x".repeat(70_000) + "\"}"));
        for (HttpResponse<String> response : responses) {
            HttpHeaders headers = response.headers();
            String where = response.request().method() + " " + response.uri().getPath() + " (" + response.statusCode()
                    + ")";
            assertThat(headers.firstValue("Content-Security-Policy")).as(where).get().asString()
                    .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'",
                            "object-src 'none'")
                    .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("*");
            assertThat(headers.firstValue("X-Content-Type-Options")).as(where).contains("nosniff");
            assertThat(headers.firstValue("X-Frame-Options")).as(where).contains("DENY");
            assertThat(headers.firstValue("Strict-Transport-Security")).as(where + ": no HSTS over http").isEmpty();
            assertThat(headers.firstValue("Access-Control-Allow-Origin")).as(where).isEmpty();
        }
    }

    @Test
    void otherOriginsGetNoCors() {
        HttpResponse<String> preflight = http.send("OPTIONS", "/authenticate/start",
                HttpRequest.BodyPublishers.noBody(), "Origin", EVIL, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type");
        assertThat(preflight.statusCode()).isBetween(400, 499);
        HttpResponse<String> simple = http.post("/authenticate/start", "{}", "Origin", EVIL);
        HttpResponse<String> jwks = http.get("/.well-known/jwks.json", "Origin", EVIL);
        for (HttpResponse<String> response : List.of(preflight, simple, jwks)) {
            assertThat(response.headers().map().keySet()).as(response.uri().getPath())
                    .noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"));
        }
    }

    @Test
    void httpsOriginsGetHsts() {
        try (TestServer https = TestServer.start("ES256", Map.of("WEBAUTHN_ORIGINS", "https://localhost"))) {
            assertThat(new RawHttp(https.baseUrl()).get("/health").headers().firstValue("Strict-Transport-Security"))
                    .get().asString().startsWith("max-age=").contains("includeSubDomains");
        }
    }

    @Test
    void healthReportsTheStoreAndTheCeremonyState() {
        HttpResponse<String> response = http.get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        JsonNode health = RawHttp.json(response);
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("store").asText()).isEqualTo("UP");
        assertThat(health.path("ceremonies").asText()).isEqualTo("UP");
    }

    @Test
    void metricsCountCeremoniesAndFailuresByReasonWithBoundedLabels() {
        PasskeyClient ivan = new PasskeyClient(server.baseUrl(), new SoftwareAuthenticator(server.origin(),
                Algorithm.ES256));
        String username = unique("ivan");
        ivan.register(username);
        ivan.signIn(username);
        String stranger = unique("stranger");
        http.post("/authenticate/complete", "{\"requestId\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"credential\": {}}");
        http.post("/authenticate/start", "{\"username\": \"" + stranger + "\"}");
        http.post("/register/start", "{\"username\": \"" + stranger + " with spaces\"}");

        HttpResponse<String> response = http.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
        assertThat(response.body())
                .contains("webauthn_ceremonies_total{ceremony=\"registration\",outcome=\"success\"}")
                .contains("webauthn_ceremonies_total{ceremony=\"authentication\",outcome=\"success\"}")
                .contains("webauthn_ceremonies_total{ceremony=\"authentication\",outcome=\"failure\"}")
                .contains("webauthn_ceremony_failures_total{ceremony=\"authentication\",reason=\"unknown_request\","
                        + "step=\"complete\"}")
                .contains("webauthn_ceremony_failures_total{ceremony=\"registration\",reason=\"invalid_request\","
                        + "step=\"start\"}")
                .contains("webauthn_ceremony_duration_seconds_count{ceremony=\"authentication\",outcome=\"success\","
                        + "step=\"complete\"}")
                .as("no label value comes from the request").doesNotContain(username).doesNotContain(stranger);
    }

    @Test
    void theJwksIsTheRingsPublicPartWithCachingHeaders() throws Exception {
        HttpResponse<String> first = http.get("/.well-known/jwks.json");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        assertThat(first.headers().firstValue("Cache-Control")).get().asString().matches("public, max-age=[1-9][0-9]*");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[^\"]+\"");

        JWKSet published = JWKSet.parse(first.body());
        assertThat(published.getKeys()).noneMatch(JWK::isPrivate);
        assertThat(first.body()).doesNotContain("\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"");
        assertThat(published.toJSONObject()).isEqualTo(JWKSet.load(server.jwksFile().toFile()).toJSONObject());

        HttpResponse<String> unchanged = http.get("/.well-known/jwks.json", "If-None-Match", etag);
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();
        assertThat(unchanged.headers().firstValue("ETag")).contains(etag);
        assertThat(http.get("/.well-known/jwks.json", "If-None-Match", "\"something-else\"").statusCode())
                .isEqualTo(200);
    }

    /**
     * One path per resource: a proxy rule for an exact path (such as nginx's {@code location = /metrics}) is not
     * sidestepped by another spelling of it, such as a trailing slash, which Javalin would otherwise ignore.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/metrics/", "/health/", "/credentials/", "/register/start/", "/%6detrics", "/metrics;x",
            "//metrics", "/x/../metrics"})
    void anotherSpellingOfAPathNamesNoResource(String path) throws Exception {
        HttpResponse<String> response = path.endsWith("start/")
                ? http.send("POST", path, HttpRequest.BodyPublishers.ofString("{}")) : http.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo("not_found");
        assertThat(response.body()).doesNotContain("jvm_");
    }

    @ParameterizedTest(name = "HEAD {0}")
    @ValueSource(strings = {"/", "/app.js", "/.well-known/jwks.json", "/health", "/metrics", "/credentials"})
    void everyGetAlsoAnswersHeadWithItsStatusAndHeaders(String path) {
        HttpResponse<String> get = http.get(path);
        HttpResponse<String> head = http.send("HEAD", path, HttpRequest.BodyPublishers.noBody());
        assertThat(head.statusCode()).isEqualTo(get.statusCode());
        for (String name : List.of("Content-Type", "Cache-Control", "ETag", "WWW-Authenticate",
                "Content-Security-Policy", "X-Content-Type-Options")) {
            assertThat(head.headers().firstValue(name)).as(name).isEqualTo(get.headers().firstValue(name));
        }
        if (!path.equals("/metrics")) {
            // The metrics change between the two requests; the other bodies do not.
            assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(
                    get.body().getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void headAnswersEndAtTheirHeaders() throws Exception {
        // Pipelined on one connection: if a HEAD answer carried body bytes, the next answer would not follow its headers.
        String answers = http.onSocket("HEAD /.well-known/jwks.json HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "HEAD /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "GET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        String[] parts = answers.split("\r\n\r\n", 3);
        assertThat(parts).as(answers).hasSize(3);
        assertThat(parts[0]).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: ");
        assertThat(parts[1]).as("what follows the JWKS's HEAD answer").startsWith("HTTP/1.1 200")
                .containsIgnoringCase("content-type: application/json");
        assertThat(parts[2]).as("what follows the health's HEAD answer").startsWith("HTTP/1.1 404");
    }

    @Test
    void otherMethodsOnTheJwksAreNotServedFromIt() {
        HttpResponse<String> post = http.post("/.well-known/jwks.json", "{}");
        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(RawHttp.json(post).path("error").asText()).isEqualTo("not_found");
        assertThat(post.body()).doesNotContain("\"keys\"");
    }

    @Test
    void theWebClientsFilesHaveTheirTypesAndRevalidateByETag() {
        Map<String, String> types = Map.of("/", "text/html", "/index.html", "text/html", "/app.js", "text/javascript",
                "/style.css", "text/css");
        types.forEach((path, type) -> {
            HttpResponse<String> response = http.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).as(path).get().asString().startsWith(type);
            assertThat(response.headers().firstValue("Cache-Control")).as(path).contains("no-cache");
            String etag = response.headers().firstValue("ETag").orElseThrow();
            assertThat(etag).as(path).matches("\"[^\"]+\"");
            HttpResponse<String> again = http.get(path, "If-None-Match", "\"other\", " + etag);
            assertThat(again.statusCode()).as(path).isEqualTo(304);
            assertThat(again.body()).as(path).isEmpty();
            assertThat(http.get(path, "If-None-Match", "\"other\"").statusCode()).as(path).isEqualTo(200);
        });
        assertThat(http.get("/").body()).isEqualTo(http.get("/index.html").body()).contains("<html");
        assertThat(http.get("/static/app.js").statusCode()).isEqualTo(404);
        assertThat(http.get("/app.js/").statusCode()).isEqualTo(404);
        assertThat(http.get("/../pom.xml").statusCode()).isBetween(400, 404);
        assertThat(http.get("/%2e%2e/logback.xml").statusCode()).isBetween(400, 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../pom.xml", "/%2e%2e/logback.xml", "/app.js%00.html"})
    void jettysOwnRefusalsOfAMalformedUriAreTheApisJsonWithItsHeaders(String path) throws Exception {
        String answer = http.onSocket("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertRefusal(answer, 400, "bad_request");
    }

    /**
     * Jetty writes its own error page only for GET, POST and HEAD (and requests it cannot parse): these were a bare
     * status without the security headers.
     */
    @Test
    void jettysOwnAnswersToOtherMethodsAreTheApisJsonWithItsHeadersToo() throws Exception {
        assertRefusal(http.onSocket("CONNECT example.com:443 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                400, "bad_request");
        JsonNode noPath = assertJsonWithHeaders(http.onSocket("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n"), 404, "not_found");
        assertThat(noPath.path("message").asText()).isEqualTo("No such resource.");
    }

    @Test
    void headersTooLargeAreRefusedAsJsonWithTheHeaders() throws Exception {
        String answer = http.onSocket("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

        assertRefusal(answer, 431, "http_431");
    }

    private static void assertRefusal(String answer, int status, String code) throws Exception {
        assertThat(assertJsonWithHeaders(answer, status, code).path("message").asText())
                .startsWith("The request was refused as malformed (")
                .endsWith("): look at its request line, its URI's encoding and its headers.");
    }

    /** A JSON answer of that status and error code, with the API's security headers; its body. */
    private static JsonNode assertJsonWithHeaders(String answer, int status, String code) throws Exception {
        assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
        int end = answer.indexOf("\r\n\r\n");
        String head = answer.substring(0, end).toLowerCase(Locale.ROOT);
        assertThat(head).contains("content-type: application/json", "cache-control: no-store",
                "x-content-type-options: nosniff", "x-frame-options: deny",
                "content-security-policy: default-src 'self'");
        JsonNode body = JSON.readTree(answer.substring(end + 4));
        assertThat(body.path("error").asText()).isEqualTo(code);
        return body;
    }

    @Test
    void largeWebClientFilesAreGzippedOnlyForClientsThatAcceptIt() throws Exception {
        HttpResponse<byte[]> plain = http.getBytes("/app.js");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.headers().firstValue("Vary")).contains("Accept-Encoding");
        HttpResponse<byte[]> refused = http.getBytes("/app.js", "Accept-Encoding", "gzip;q=0, identity");
        assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(refused.body()).isEqualTo(plain.body());

        HttpResponse<byte[]> zipped = http.getBytes("/app.js", "Accept-Encoding", "br, gzip");
        assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(zipped.headers().firstValue("ETag")).isNotEqualTo(plain.headers().firstValue("ETag"));
        assertThat(zipped.body().length).isLessThan(plain.body().length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }
    }

    @Test
    void theServerSocketIsOpenedWithABacklogForAThousandConnects() {
        // The JVM's default backlog of 50 overflowed under 1000 new clients: the kit's benchmark counts the effect
        // (listen-queue overflows); this checks what the started connector asked the kernel for.
        assertThat(server.acceptQueueSize()).isEqualTo(HttpApi.ACCEPT_QUEUE).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void manyClientsAtOnceAreServedByTheBoundedPoolOfRequestThreads() throws Exception {
        // Each request sends half its body and holds a request thread while the server waits for the rest.
        int port = URI.create(server.baseUrl()).getPort();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 4 * HttpApi.HTTP_THREADS; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write(("POST /authenticate/start HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                clients.add(socket);
            }
            Thread.sleep(1000);
            long requestThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("webauthn-http-")).count();
            assertThat(requestThreads).isPositive().isLessThanOrEqualTo(HttpApi.HTTP_THREADS);
            for (Socket socket : clients) {
                socket.getOutputStream().write('}');
            }
            for (Socket socket : clients) {
                String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                assertThat(status).as("every waiting client is answered in turn").isEqualTo("HTTP/1.1 200 OK");
            }
        } finally {
            for (Socket socket : clients) {
                socket.close();
            }
        }
    }
}
