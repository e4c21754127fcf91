package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.it.support.RunningServer;
import io.github.webauthnkit.server.testing.Chromium;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The production stack: the TLS proxy with a certificate made here, the only container that publishes ports; a
 * passkey ceremony over https through it, from the software authenticator and from Chromium on the stack's page; /metrics not reachable through it; every container non-root on a read-only
 * root file system with the capabilities the Compose file lists, the server still working; no secret in any
 * container's environment. The secrets belong to a service user (uid 10001), not to the user running the tests.
 */
class ProductionStackIT {
    @Test
    void theProductionStackIsHardenedAndServesPasskeysOverTls() throws Exception {
        GeneratedProject project = ProductionProject.prepare("stack-prod");

        try (ComposeStack stack = ComposeStack.up(project, ProductionProject.environment())) {
            HttpClient https = ProductionProject.https(project);
            PasskeyClient bob = new PasskeyClient(https, "https://localhost",
                    new SoftwareAuthenticator("https://localhost", SoftwareAuthenticator.Algorithm.ES256));
            String userId = bob.register("bob").path("userId").asText();
            assertThat(SignedJWT.parse(bob.signIn("bob")).getJWTClaimsSet().getSubject()).isEqualTo(userId);
            // The browser trusts the proxy's certificate by its key (as if a CA had issued it): WebAuthn refuses
            // pages whose certificate errors were merely ignored.
            try (Chromium chromium = Chromium.start("--ignore-certificate-errors-spki-list="
                    + ProductionProject.spkiHash(project))) {
                BrowserCeremony.Tokens erin = BrowserCeremony.registerAndSignIn(chromium, ProductionProject.ORIGIN,
                        "erin");
                JWKSet served = JWKSet.parse(https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN
                        + "/.well-known/jwks.json")).build(), HttpResponse.BodyHandlers.ofString()).body());
                for (String token : List.of(erin.afterRegistration(), erin.afterSignIn())) {
                    SignedJWT jwt = SignedJWT.parse(token);
                    assertThat(jwt.verify(new RSASSAVerifier(served.getKeyByKeyId(jwt.getHeader().getKeyID())
                            .toRSAKey()))).as("the browser's token verifies with the served JWKS").isTrue();
                    assertThat(jwt.getJWTClaimsSet().getStringClaim("preferred_username")).isEqualTo("erin");
                }
            }

            assertWellKnownDocumentsThroughTheProxy(https);
            assertTheRelyingPartyHostBlock(stack, project);

            Map<String, List<String>> serverHeaders = serverSecurityHeaders(https);
            for (String path : List.of("/metrics", "/metrics/", "/%6detrics", "//metrics", "/metrics?x=1")) {
                HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(URI.create("https://localhost" + path))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertAnsweredByTheProxy(metrics, path, 404, serverHeaders);
                assertThat(metrics.body()).as(path).isEqualTo("{\"error\":\"not_found\",\"message\":\"No such resource:"
                        + " /metrics\"}");
            }
            assertProxyRefusalsAreJson(https, serverHeaders);
            assertMalformedRequestLinesAreJson(project, curl(project, 443));
            assertSlowClientsAreCut(project);
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(301);
            assertThat(plain.headers().firstValue("Location")).hasValue("https://localhost/");

            List<String> secrets = new ArrayList<>();
            for (String name : List.of("docker/secrets/postgres_password", "docker/secrets/redis_password",
                    "docker/tls/tls_private_key.pem", "docker/secrets/jwt_signing_keys.json")) {
                secrets.add(ProductionProject.secret(project, name));
            }
            Map<String, String> capabilities = Map.of("server", "[]", "proxy", "[]",
                    "postgres", "[CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETGID CAP_SETUID]",
                    "redis", "[CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID]");
            for (String service : List.of("server", "postgres", "redis", "proxy")) {
                String id = stack.containers(service).get(0);
                String ports = stack.docker("inspect", "--format",
                        "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostPort}} {{end}}{{end}}", id)
                        .output().strip();
                // Each published port is listed once per address family.
                assertThat(String.join(" ", new TreeSet<>(List.of(ports.split("\\s+")))).strip())
                        .as(service + " publishes").isEqualTo(service.equals("proxy") ? "443 80" : "");
                assertThat(stack.docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}"
                        + " {{.HostConfig.SecurityOpt}}", id).output().strip())
                        .isEqualTo("true [ALL] [no-new-privileges:true]");
                String added = stack.docker("inspect", "--format", "{{.HostConfig.CapAdd}}", id).output().strip();
                assertThat(added.replace("CAP_", "").replace("[", "").replace("]", "").split(" "))
                        .as(service + " capabilities").containsExactlyInAnyOrder(capabilities.get(service)
                                .replace("CAP_", "").replace("[", "").replace("]", "").split(" "));
                String uid = stack.docker("exec", id, "sh", "-c", "grep '^Uid:' /proc/1/status").output();
                assertThat(uid.split("\\s+")[1]).as(service + " runs as").isNotEqualTo("0");
                String environment = stack.docker("inspect", "--format", "{{range .Config.Env}}{{.}}\n{{end}}", id)
                        .output();
                for (String secret : secrets) {
                    assertThat(environment).as(service + "'s environment").doesNotContain(secret);
                }
            }
            String server = stack.containers("server").get(0);
            assertThat(stack.docker("exec", server, "ls", "-a", "/run/secrets/jwt_signing_keys").output())
                    .as("the server's view of the secrets").contains("jwt_signing_keys.json").doesNotContain("tls");
            assertThat(stack.docker("exec", server, "sh", "-c", "touch /app/written").exitCode())
                    .as("a write outside the server's tmpfs").isNotZero();
            assertThat(stack.docker("exec", server, "sh", "-c", "touch /tmp/written").exitCode())
                    .as("a write to its tmpfs").isZero();
            assertThat(stack.docker("exec", server, "grep", " /tmp ", "/proc/mounts").output())
                    .as("its tmpfs, where nothing written may run").contains("noexec");
            assertThat(stack.docker("logs", server).output()).as("native signatures from the image's /app/native")
                    .contains(ImageJvm.NATIVE_SIGNATURES);
            Command.Result health = Command.run(project.dir(), Duration.ofMinutes(2), stack.engine().environment(),
                    List.of("bash", "scripts/health-check.sh", "--compose", "--server", "https://localhost"));
            assertThat(health.output()).contains("postgres  ok").contains("redis     ok");

            HttpResponse<String> publicHealth = https.send(HttpRequest.newBuilder(
                    URI.create("https://localhost/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(publicHealth.body()).as("/health through the proxy tells the status alone").isEqualTo(
                    "{\"status\":\"UP\"}");
            String postgres = stack.containers("postgres").get(0);
            assertThat(stack.docker("exec", postgres, "psql", "-U", "webauthn_admin", "-d", "webauthn", "-tAc",
                    "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'webauthn'").output()
                    .strip()).as("the server's database role").isEqualTo("f|f|f");
            Command.Result superuserOverTcp = stack.docker("exec", postgres, "sh", "-c", "PGPASSWORD=\"$(cat"
                    + " /run/secrets/postgres_password)\" psql -h 127.0.0.1 -U webauthn_admin -d webauthn -c 'SELECT 1'");
            assertThat(superuserOverTcp.exitCode()).as(superuserOverTcp.output()).isNotZero();
            assertThat(superuserOverTcp.output()).contains("rejects connection");
            String redis = stack.docker("exec", stack.containers("redis").get(0), "sh", "-c",
                    "REDISCLI_AUTH=\"$(cat /run/secrets/redis_password)\" redis-cli config get 'maxmemory*'").output();
            assertThat(redis).as("Redis memory bound and eviction").contains("201326592").contains("volatile-ttl");

            // Last, since it spends this address's start budget: a flood of starts is stopped at the proxy.
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            List<String> edgeRefusals = new CopyOnWriteArrayList<>();
            List<Map<String, List<String>>> edgeHeaders = new CopyOnWriteArrayList<>();
            ExecutorService flood = Executors.newFixedThreadPool(8);
            for (int i = 0; i < 160; i++) {
                flood.submit(() -> {
                    HttpResponse<String> answer = https.send(HttpRequest.newBuilder(
                            URI.create("https://localhost/authenticate/start")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.merge(answer.statusCode(), 1, Integer::sum);
                    if (answer.body().contains("Too many ceremony starts from this address")) {
                        edgeRefusals.add(answer.headers().firstValue("Retry-After").orElse("none"));
                        edgeHeaders.add(securityHeaders(answer));
                    }
                    return null;
                });
            }
            flood.shutdown();
            assertThat(flood.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            System.out.println("A flood of 160 starts through the proxy: " + statuses);
            assertThat(edgeRefusals).as("starts refused by nginx's limit_req").isNotEmpty().allMatch("1"::equals);
            assertThat(edgeHeaders).as("their security headers").allMatch(serverHeaders::equals);

            // The server gone (a crash, a restart): the proxy answers the server's 503, not nginx's HTML 502 page.
            stack.docker("stop", server).assertSuccess("stopping the server");
            HttpResponse<String> gone = https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN
                    + "/credentials")).build(), HttpResponse.BodyHandlers.ofString());
            assertAnsweredByTheProxy(gone, "a request while the server is down", 503, serverHeaders);
            assertThat(gone.body()).isEqualTo("{\"error\":\"unavailable\",\"message\":\"The service is temporarily"
                    + " unavailable; try again shortly.\"}");
        }
    }

    /**
     * A connection that sends nothing, and one that sends its headers a line a second after its TLS handshake
     * (slowloris), are both closed by the proxy after its 10 s header timeout, without an answer, and not after
     * nginx's default minute.
     */
    private static void assertSlowClientsAreCut(GeneratedProject project) throws Exception {
        InetAddress proxy = InetAddress.getByName("127.0.0.1");
        ExecutorService clients = Executors.newFixedThreadPool(3);
        long began = System.nanoTime();
        try (Socket silent = new Socket(proxy, 443);
             SSLSocket dripping = (SSLSocket) ProductionProject.tls(project).getSocketFactory().createSocket(proxy,
                     443)) {
            Future<Closed> silence = clients.submit(() -> untilClosed(silent, began));
            Future<Closed> drip = clients.submit(() -> {
                dripping.startHandshake();
                OutputStream out = dripping.getOutputStream();
                out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // A header line a second, until the proxy's close makes a write fail.
                clients.submit(() -> {
                    while (true) {
                        Thread.sleep(1000);
                        out.write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                });
                return untilClosed(dripping, began);
            });
            Closed sendingNothing = silence.get(1, TimeUnit.MINUTES);
            Closed aLineASecond = drip.get(1, TimeUnit.MINUTES);
            System.out.println("Slow clients closed by the proxy " + sendingNothing.after().toMillis() + " ms after"
                    + " connecting (sending nothing) and " + aLineASecond.after().toMillis() + " ms (a header line a"
                    + " second)");
            for (Closed closed : List.of(sendingNothing, aLineASecond)) {
                assertThat(closed.after()).as("a slow connection, open for")
                        .isBetween(Duration.ofSeconds(8), Duration.ofSeconds(20));
                assertThat(closed.bytes()).as("bytes the proxy answered a slow connection with").isZero();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** When the other side closed a connection (at most 30 s after it was opened) and how many bytes came before. */
    private record Closed(Duration after, long bytes) {
    }

    private static Closed untilClosed(Socket socket, long opened) throws IOException {
        socket.setSoTimeout(30_000);
        long bytes = 0;
        try {
            while (socket.getInputStream().read() >= 0) {
                bytes++;
            }
        } catch (SocketTimeoutException e) {
            return new Closed(Duration.ofSeconds(30), bytes);
        } catch (IOException e) {
            // Reset: closed as well.
        }
        return new Closed(Duration.ofNanos(System.nanoTime() - opened), bytes);
    }

    /** The headers the server sends on every API answer, which nginx's own answers must carry as well. */
    private static final List<String> SECURITY_HEADERS = List.of("Cache-Control", "Content-Security-Policy",
            "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
            "Cross-Origin-Resource-Policy", "Permissions-Policy", "Strict-Transport-Security");

    /** The start of the refusal of a request nginx or the server found malformed. */
    private static final String MALFORMED = "{\"error\":\"bad_request\",\"message\":\"The request was refused as"
            + " malformed (Bad Request): ";

    /** An answer nginx made itself: its status, in JSON, with exactly the server's security headers. */
    private static void assertAnsweredByTheProxy(HttpResponse<String> answer, String what, int status,
                                                 Map<String, List<String>> serverHeaders) {
        assertThat(answer.statusCode()).as(what + " through the proxy").isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).as(what).hasValue("application/json");
        assertThat(securityHeaders(answer)).as(what + ": the security headers").isEqualTo(serverHeaders);
    }

    private static Map<String, List<String>> securityHeaders(HttpResponse<?> answer) {
        Map<String, List<String>> values = new TreeMap<>();
        for (String name : SECURITY_HEADERS) {
            values.put(name, answer.headers().allValues(name));
        }
        return values;
    }

    /** The security headers of a refusal the server itself answered through the proxy: every one of them, once. */
    private static Map<String, List<String>> serverSecurityHeaders(HttpClient https) throws Exception {
        HttpResponse<String> answer = https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN
                + "/no-such-resource")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).as("the server's own 404").contains("No such resource: GET /no-such-resource");
        Map<String, List<String>> values = securityHeaders(answer);
        assertThat(values.values()).as("the server's security headers " + values).allMatch(v -> v.size() == 1);
        return values;
    }

    /**
     * What nginx refuses before the server (a body over 64 KiB, headers over its buffers) answers in the server's JSON
     * with the server's security headers, on a ceremony start (a location with an error page of its own) and elsewhere.
     * Over HTTP/1.1, as curl sends.
     */
    private static void assertProxyRefusalsAreJson(HttpClient https, Map<String, List<String>> serverHeaders)
            throws Exception {
        for (String path : List.of("/register/start", "/credentials")) {
            HttpResponse<String> large = https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN + path))
                    .version(HttpClient.Version.HTTP_1_1).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"" + "a".repeat(70_000) + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertAnsweredByTheProxy(large, "a 70 kB body to " + path, 413, serverHeaders);
            assertThat(large.body()).isEqualTo("{\"error\":\"payload_too_large\",\"message\":\"The request body is"
                    + " larger than 65536 bytes.\"}");

            HttpResponse<String> headers = https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN
                    + path)).version(HttpClient.Version.HTTP_1_1).header("X-Padding", "a".repeat(20_000)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertAnsweredByTheProxy(headers, "a 20 kB header to " + path, 400, serverHeaders);
            assertThat(headers.body()).startsWith(MALFORMED);
        }
    }

    /**
     * A request line nginx cannot parse (a broken escape, a path above the root) has no URI for nginx to hand on, and
     * still gets the JSON refusal, with the security headers, not nginx's HTML page.
     */
    private static void assertMalformedRequestLinesAreJson(GeneratedProject project, List<String> curl) {
        for (String path : List.of("/%zz", "/../etc/passwd")) {
            Command.Result answer = Command.run(project.dir(), Duration.ofMinutes(1), Map.of(),
                    concat(curl, "--http1.1", "--path-as-is", "https://localhost" + path));
            assertThat(answer.output()).as("GET " + path + " through the proxy").endsWith(" 400")
                    .containsIgnoringCase("Content-Type: application/json")
                    .containsIgnoringCase("X-Content-Type-Options: nosniff").contains(MALFORMED);
        }
    }

    /**
     * curl, trusting the stack's certificate, with localhost at the given port on 127.0.0.1; the response's headers
     * come before its body, and its status after it. The engine's port proxy accepts connections before nginx
     * listens, and resets them: it retries those too.
     */
    private static List<String> curl(GeneratedProject stackProject, int port) {
        return List.of("curl", "-sS", "-D", "-", "--retry", "20", "--retry-all-errors", "--retry-delay", "1",
                "--cacert", stackProject.file("docker/certs/fullchain.pem").toString(),
                "--resolve", "localhost:" + port + ":127.0.0.1", "-w", " %{http_code}");
    }

    /** The apps' and related origins' documents, served by the server through the proxy at the RP ID's host. */
    private static void assertWellKnownDocumentsThroughTheProxy(HttpClient https) throws Exception {
        Map<String, String> expected = Map.of(
                "assetlinks.json", "\"package_name\":\"com.example.passkeys\"",
                "apple-app-site-association", "\"apps\":[\"" + ProductionProject.IOS_APP + "\"]",
                "webauthn", "\"origins\":[\"" + ProductionProject.RELATED_ORIGIN + "\"]");
        for (Map.Entry<String, String> document : expected.entrySet()) {
            HttpResponse<String> answer = https.send(HttpRequest.newBuilder(URI.create(ProductionProject.ORIGIN
                    + "/.well-known/" + document.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(document.getKey() + " through the proxy").isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(answer.headers().firstValue("ETag")).isPresent();
            assertThat(answer.headers().firstValue("Strict-Transport-Security")).as("the server's HSTS at its own host")
                    .isPresent();
            assertThat(answer.body().replace(" ", "")).contains(document.getValue());
        }
    }

    /**
     * A project whose RP ID (localhost) is not its server's host (auth.localhost) gets a second TLS server block for
     * the RP ID that passes only the three documents on to the server. That block runs here in the stand-in nginx, on
     * the stack's network with this stack's certificate, and is asked with the RP ID as TLS server name.
     */
    private static void assertTheRelyingPartyHostBlock(ComposeStack stack, GeneratedProject stackProject)
            throws java.io.IOException {
        GeneratedProject other = GeneratedProject.generate("stack-rp-host", Map.of("generateExamples", "none",
                "productionMode", "true", "serverUrl", "https://auth.localhost", "relyingPartyId", "localhost",
                "androidApps", ProductionProject.ANDROID_APP));
        String network = stack.docker("inspect", "--format",
                "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}", stack.containers("proxy").get(0))
                .output().strip().split(" ")[0];
        int port = RunningServer.freePort();
        String name = "rp-host-proxy-" + ProcessHandle.current().pid();
        stack.docker("run", "-d", "--rm", "--name", name, "--network", network, "--user",
                ProductionProject.SERVICE_USER + ":" + ProductionProject.SERVICE_USER, "--read-only", "--tmpfs", "/tmp",
                "-p", "127.0.0.1:" + port + ":8443",
                "-v", other.file("docker/nginx.conf") + ":/etc/nginx/nginx.conf:ro",
                "-v", stackProject.file("docker/certs/fullchain.pem") + ":/etc/nginx/tls/fullchain.pem:ro",
                "-v", stackProject.file("docker/tls/tls_private_key.pem") + ":/run/secrets/tls_private_key:ro",
                StandInImages.image("nginx")).assertSuccess("the RP ID host's proxy");
        try {
            List<String> curl = curl(stackProject, port);
            Command.Result assetlinks = Command.run(stackProject.dir(), Duration.ofMinutes(1), Map.of(),
                    concat(curl, "https://localhost:" + port + "/.well-known/assetlinks.json"));
            assertThat(assetlinks.output()).as("assetlinks.json at the RP ID's host").contains("com.example.passkeys")
                    .endsWith(" 200").doesNotContainIgnoringCase("Strict-Transport-Security");
            Command.Result page = Command.run(stackProject.dir(), Duration.ofMinutes(1), Map.of(),
                    concat(curl, "https://localhost:" + port + "/"));
            assertThat(page.output()).as("anything else at the RP ID's host")
                    .contains("Only the well-known documents").endsWith(" 404")
                    .containsIgnoringCase("X-Content-Type-Options: nosniff")
                    .containsIgnoringCase("Cache-Control: no-store").doesNotContainIgnoringCase("Strict-Transport-Security");
        } finally {
            stack.docker("rm", "-f", name);
        }
    }

    private static List<String> concat(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all;
    }
}
