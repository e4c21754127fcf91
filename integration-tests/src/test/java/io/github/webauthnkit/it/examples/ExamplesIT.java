package io.github.webauthnkit.it.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.CountingJwksProxy;
import io.github.webauthnkit.it.support.ExampleService;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The four integration examples of a generated project against its running server, with real tokens from passkey
 * ceremonies (a software authenticator over the HTTP API) and hostile tokens forged with the project's own ring key.
 * Each example's dependencies come from its registry, installed the way its README says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplesIT {
    private static final Duration INSTALL = Duration.ofMinutes(10);
    private static final Duration RUN = Duration.ofMinutes(2);
    private static final String ISSUER = "webauthn-server";
    private static final String AUDIENCE = "examples-it-api";
    private static final String COOLDOWN_SECONDS = "2";
    private static final int REFUSED_BODY_ROUNDS = 400;

    private GeneratedProject project;
    private RunningServer server;
    private CountingJwksProxy proxy;
    /** Real tokens of one user, each used at most once per exchange service. */
    private List<String> tokens;
    private Map<String, String> hostile;
    private final Map<ExampleLanguage, ExampleService> services = new LinkedHashMap<>();

    @BeforeAll
    void generateStartAndInstall() throws Exception {
        project = GeneratedProject.generate("examples-it", Map.of());
        for (ExampleLanguage language : ExampleLanguage.values()) {
            language.requireToolchain(project.file("examples"));
        }
        project.mvnw(INSTALL, "package", "-DskipTests").assertSuccess("package of the generated project");
        server = RunningServer.start(project, Map.of());
        proxy = new CountingJwksProxy(server.baseUrl() + "/.well-known/jwks.json");
        for (ExampleLanguage language : ExampleLanguage.values()) {
            for (List<String> step : language.install) {
                Command.run(language.directory(project), INSTALL, Map.of(), language.command(project, step, List.of()))
                        .assertSuccess(language + ": " + String.join(" ", step));
            }
        }
        tokens = devTokens(4);
        hostile = hostileTokens(tokens.get(0));
    }

    @AfterAll
    void stop() {
        services.values().forEach(ExampleService::close);
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void everyVerifierAcceptsARealTokenFromTheFileTheUrlAndThePem() throws Exception {
        Map<String, Object> claims = SignedJWT.parse(tokens.get(0)).getJWTClaimsSet().toJSONObject();
        SoftAssertions soft = new SoftAssertions();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            for (List<String> keys : List.of(List.of("--jwks", "../../config/webauthn-jwks.json"),
                    List.of("--jwks", server.baseUrl() + "/.well-known/jwks.json"),
                    List.of("--public-key", "../../config/webauthn-public-key.pem"))) {
                Command.Result result = verify(language, keys, tokens.get(0));
                soft.assertThat(result.exitCode()).as("%s %s: exit code; output:%n%s", language, keys, result.output())
                        .isZero();
                if (result.exitCode() == 0) {
                    Map<String, Object> printed = printedClaims(result.output());
                    soft.assertThat(printed).as("%s %s: printed claims", language, keys)
                            .containsEntry("sub", claims.get("sub")).containsEntry("iss", ISSUER)
                            .containsEntry("preferred_username", claims.get("preferred_username"));
                }
            }
        }
        soft.assertAll();
    }

    @Test
    @Order(2)
    void everyVerifierRefusesEachHostileTokenWithItsReason() {
        Map<String, String> expected = Map.of("expired", "expired", "wrong-issuer", "issuer",
                "wrong-audience", "audience", "alg-none", "algorithm", "hs256-with-public-key", "algorithm",
                "unknown-kid", "unknown_kid", "tampered-payload", "signature");
        SoftAssertions soft = new SoftAssertions();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            expected.forEach((name, reason) -> assertVerifierRefuses(soft, language,
                    List.of("--jwks", "../../config/webauthn-jwks.json"), hostile.get(name), reason, name + " token"));
            // Against the URL an unknown kid costs one fetch: the copy it just fetched is fresh (cooldown).
            String client = "cli-" + language.dir;
            Command.Result unknown = verify(language, List.of("--jwks", proxy.url(client)), hostile.get("unknown-kid"));
            soft.assertThat(unknown.output()).as("%s, unknown kid over the URL", language)
                    .containsPattern("(?m)^refused: unknown_kid: ");
            soft.assertThat(proxy.fetches(client)).as("%s, JWKS fetches for one unknown kid", language).isEqualTo(1);

            Command.Result usage = Command.run(language.directory(project), RUN, Map.of(), language.command(project,
                    language.verifier, List.of("--jwks", "../../config/webauthn-jwks.json", tokens.get(0))));
            soft.assertThat(usage.exitCode()).as("%s without --issuer/--audience: exit code; output:%n%s", language,
                    usage.output()).isEqualTo(2);
        }
        soft.assertAll();
    }

    /**
     * A PEM names no algorithm: a project that signs with RS384 or PS256 exports an RSA PEM like this project's, and
     * its tokens (here signed with this project's ring key under those algorithms) verify with it in every language,
     * under the default allow-list and under the project's own (example.env's WEBAUTHN_ALGORITHMS), in the verifiers
     * and in the exchange services. HMAC, none and an algorithm off the allow-list stay refused.
     */
    @Test
    @Order(3)
    void everyExampleVerifiesAnRs384OrPs256TokenWithThePem() throws Exception {
        List<String> pem = List.of("--public-key", "../../config/webauthn-public-key.pem");
        Map<JWSAlgorithm, String> rsaTokens = new LinkedHashMap<>();
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.RS384, JWSAlgorithm.PS256)) {
            rsaTokens.put(alg, signWithRingKey(tokens.get(0), alg, "pem-" + alg.getName()));
        }
        SoftAssertions soft = new SoftAssertions();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            rsaTokens.forEach((alg, token) -> {
                for (List<String> allowList : List.of(List.<String>of(), List.of("--algorithms", alg.getName()))) {
                    Command.Result result = verify(language, concat(pem, allowList), token);
                    soft.assertThat(result.exitCode()).as("%s, a %s token with the PEM %s: exit code; output:%n%s",
                            language, alg, allowList, result.output()).isZero();
                }
                assertVerifierRefuses(soft, language, concat(pem, List.of("--algorithms", "RS256")), token, "algorithm",
                        alg + " token with the PEM, RS256 allowed");
            });
            for (String name : List.of("alg-none", "hs256-with-public-key")) {
                assertVerifierRefuses(soft, language, pem, hostile.get(name), "algorithm", name + " token with the PEM");
            }
            Command.Result unsuited = verify(language, concat(pem, List.of("--algorithms", "ES256,EdDSA")),
                    tokens.get(0));
            soft.assertThat(unsuited.exitCode()).as("%s, the RSA PEM with only ES256,EdDSA allowed: exit code;"
                    + " output:%n%s", language, unsuited.output()).isEqualTo(2);

            Map<String, String> env = exchangeEnvironment(GeneratedProject.newWorkDir(language.dir + "-pem")
                    .resolve("data"), "example-app");
            env.put("WEBAUTHN_PUBLIC_KEY_FILE", project.file("config/webauthn-public-key.pem").toString());
            env.put("WEBAUTHN_ALGORITHMS", "PS256");
            String as = language + " exchange service with the PEM and PS256 allowed";
            try (ExampleService service = startExchange(language, env)) {
                HttpResponse<String> exchanged = exchange(service, rsaTokens.get(JWSAlgorithm.PS256));
                soft.assertThat(exchanged.statusCode()).as("%s: a PS256 token: %s", as, exchanged.body())
                        .isEqualTo(200);
                assertRefused(as + ": an RS384 token", exchange(service, rsaTokens.get(JWSAlgorithm.RS384)), 401,
                        "algorithm");
                assertRefused(as + ": HS256 with the public key", exchange(service,
                        hostile.get("hs256-with-public-key")), 401, "algorithm");
            } catch (AssertionError e) {
                soft.fail(as + ": " + e.getMessage());
            }
        }
        soft.assertAll();
    }

    /** A JWKS URL is configuration: a redirect from it (even to the same JWKS) is a fetch that failed. */
    @Test
    @Order(4)
    void everyVerifierRefusesAJwksUrlThatRedirects() {
        SoftAssertions soft = new SoftAssertions();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            String client = "redirect-" + language.dir;
            assertVerifierRefuses(soft, language, List.of("--jwks", proxy.redirectingUrl(client)), tokens.get(0),
                    "keys_unavailable", "a JWKS URL that redirects");
            soft.assertThat(proxy.fetches(client)).as("%s: fetches of the redirect's target", language).isZero();
        }
        soft.assertAll();
    }

    @Test
    @Order(5)
    void everyExchangeServiceSwapsThePasskeyTokenForItsOwnAndGuardsItsApi() throws Exception {
        String webauthnSub = SignedJWT.parse(tokens.get(0)).getJWTClaimsSet().getSubject();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            Path data = GeneratedProject.newWorkDir(language.dir + "-exchange");
            ExampleService service = startExchange(language, data.resolve("data"), "example-app");
            services.put(language, service);
            String as = language + " exchange service";

            HttpResponse<String> exchanged = exchange(service, tokens.get(0));
            assertThat(exchanged.statusCode()).as("%s: exchange of a real token: %s%n%s", as, exchanged.body(),
                    service.output()).isEqualTo(200);
            Map<String, Object> answer = JSONObjectUtils.parse(exchanged.body());
            assertThat(answer).as(as).containsEntry("token_type", "Bearer").containsKey("expires_in");
            String appToken = (String) answer.get("access_token");

            SignedJWT app = SignedJWT.parse(appToken);
            JWKSet ownKeys = JWKSet.parse(service.get("/.well-known/jwks.json", null).body());
            assertThat(app.getHeader().getAlgorithm()).as(as).isEqualTo(JWSAlgorithm.ES256);
            ECKey ownKey = (ECKey) ownKeys.getKeyByKeyId(app.getHeader().getKeyID());
            assertThat(ownKey).as("%s: its JWKS holds the key of its token", as).isNotNull();
            assertThat(ownKey.isPrivate()).as(as).isFalse();
            assertThat(app.verify(new ECDSAVerifier(ownKey))).as("%s: its token verifies with its JWKS", as).isTrue();
            JWTClaimsSet appClaims = app.getJWTClaimsSet();
            assertThat(appClaims.getIssuer()).as(as).isEqualTo("example-api");
            assertThat(appClaims.getAudience()).as(as).containsExactly("example-app");
            assertThat(appClaims.getSubject()).as(as).isNotBlank().isNotEqualTo(webauthnSub);
            assertThat(appClaims.getStringListClaim("permissions")).as(as).contains("profile:read");
            assertThat(Files.getPosixFilePermissions(data.resolve("data/exchange-signing-key.pem")))
                    .as("%s: its signing key file", as).isEqualTo(PosixFilePermissions.fromString("rw-------"));

            HttpResponse<String> profile = service.get("/api/profile", appToken);
            assertThat(profile.statusCode()).as("%s: profile: %s", as, profile.body()).isEqualTo(200);
            assertThat(JSONObjectUtils.parse(profile.body())).as(as).containsEntry("webauthn_sub", webauthnSub)
                    .containsKeys("id", "display_name", "created_at", "permissions");

            // The same user signing in again is the same local user.
            HttpResponse<String> again = exchange(service, tokens.get(1));
            assertThat(again.statusCode()).as("%s: second sign-in: %s", as, again.body()).isEqualTo(200);
            assertThat(SignedJWT.parse((String) JSONObjectUtils.parse(again.body()).get("access_token"))
                    .getJWTClaimsSet().getSubject()).as("%s: local id on the second sign-in", as)
                    .isEqualTo(appClaims.getSubject());

            assertRefused(as + ": the passkey token at the API", service.get("/api/profile", tokens.get(0)), 401, null);
            assertRefused(as + ": no token at the API", service.get("/api/profile", null), 401, null);
            assertRefused(as + ": its own token at the exchange", exchange(service, appToken), 401, null);
            assertRefused(as + ": a replayed passkey token", exchange(service, tokens.get(0)), 401, "replayed");
            assertRefused(as + ": an expired token", exchange(service, hostile.get("expired")), 401, "expired");
            assertRefused(as + ": alg none", exchange(service, hostile.get("alg-none")), 401, "algorithm");
            assertRefused(as + ": HS256 with the public key", exchange(service, hostile.get("hs256-with-public-key")),
                    401, "algorithm");
            assertRefused(as + ": a wrong audience", exchange(service, hostile.get("wrong-audience")), 401, "audience");
            assertRefused(as + ": text/plain", service.post("/auth/webauthn/exchange", "text/plain", "x"), 415, null);
            assertRefused(as + ": not JSON", service.post("/auth/webauthn/exchange", "application/json", "{"), 400, null);
            assertRefused(as + ": no webauthn_token", service.post("/auth/webauthn/exchange", "application/json", "{}"),
                    400, null);
            assertRefused(as + ": a token that is not a string", service.post("/auth/webauthn/exchange",
                    "application/json", "{\"webauthn_token\": 42}"), 400, null);
            assertRefused(as + ": a body over 64 KiB", service.post("/auth/webauthn/exchange", "application/json",
                    "{\"webauthn_token\": \"" + "a".repeat(70 * 1024) + "\"}"), 413, null);
            assertRefusedBodiesKeepTheConnection(service, as);

            // Invented kids: one refetch, then none until the cooldown has passed.
            Thread.sleep(Long.parseLong(COOLDOWN_SECONDS) * 1000 + 500);
            int before = proxy.fetches(language.dir);
            assertRefused(as + ": an unknown kid", exchange(service, hostile.get("unknown-kid")), 401, "unknown_kid");
            assertRefused(as + ": an unknown kid again", exchange(service, hostile.get("unknown-kid")), 401, "unknown_kid");
            assertThat(proxy.fetches(language.dir)).as("%s: JWKS fetches for two unknown kids in a row", as)
                    .isEqualTo(before + 1);

            // A service with the same key but another audience refuses the token.
            Path other = GeneratedProject.newWorkDir(language.dir + "-other").resolve("data");
            Files.createDirectories(other, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(data.resolve("data/exchange-signing-key.pem"), other.resolve("exchange-signing-key.pem"));
            try (ExampleService second = startExchange(language, other, "other-app")) {
                assertRefused(as + ": its token at another audience", second.get("/api/profile", appToken), 401,
                        "audience");
            }
            assertThat(service.output()).as("%s: its log never holds a token", as)
                    .doesNotContain(tokens.get(0)).doesNotContain(appToken);
        }
    }

    @Test
    @Order(6)
    void verifiersAndServicesKeepWorkingAcrossARotation() throws Exception {
        String oldKid = SignedJWT.parse(tokens.get(0)).getHeader().getKeyID();
        project.mvnw(INSTALL, "webauthn-keys:rotate", "-Dwebauthn.keys.publishAhead=3s").assertSuccess("rotate");
        String newKid = awaitSigningKeyOtherThan(oldKid);
        String newToken = devTokens(1).get(0);
        assertThat(SignedJWT.parse(newToken).getHeader().getKeyID()).isEqualTo(newKid);

        SoftAssertions soft = new SoftAssertions();
        for (ExampleLanguage language : ExampleLanguage.values()) {
            for (String token : List.of(tokens.get(2), newToken)) {
                Command.Result result = verify(language, List.of("--jwks", "../../config/webauthn-jwks.json"), token);
                soft.assertThat(result.exitCode()).as("%s verifier after the rotation, kid %s:%n%s", language,
                        SignedJWT.parse(token).getHeader().getKeyID(), result.output()).isZero();
            }
            ExampleService service = services.get(language);
            soft.assertThat(service).as("%s exchange service from the previous test", language).isNotNull();
            if (service == null) {
                continue;
            }
            int before = proxy.fetches(language.dir);
            HttpResponse<String> old = exchange(service, tokens.get(2));
            soft.assertThat(old.statusCode()).as("%s: a token of the old key after the rotation: %s", language,
                    old.body()).isEqualTo(200);
            soft.assertThat(proxy.fetches(language.dir)).as("%s: fetches for the old key's token", language)
                    .isEqualTo(before);
            HttpResponse<String> fresh = exchange(service, newToken);
            soft.assertThat(fresh.statusCode()).as("%s: a token of the new key: %s", language, fresh.body())
                    .isEqualTo(200);
            soft.assertThat(proxy.fetches(language.dir)).as("%s: fetches for the new key's first token", language)
                    .isEqualTo(before + 1);
        }
        soft.assertAll();
    }

    private void assertVerifierRefuses(SoftAssertions soft, ExampleLanguage language, List<String> keys, String token,
                                       String reason, String what) {
        Command.Result result = verify(language, keys, token);
        soft.assertThat(result.exitCode()).as("%s, %s: exit code; output:%n%s", language, what, result.output())
                .isEqualTo(1);
        soft.assertThat(result.output()).as("%s, %s: the refusal line", language, what)
                .containsPattern(Pattern.compile("(?m)^refused: " + reason + ": \\S.*$"));
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private ExampleService startExchange(ExampleLanguage language, Path dataDir, String audience) {
        Map<String, String> env = exchangeEnvironment(dataDir, audience);
        env.put("WEBAUTHN_JWKS_URL", proxy.url(language.dir));
        return startExchange(language, env);
    }

    private ExampleService startExchange(ExampleLanguage language, Map<String, String> env) {
        return ExampleService.start(language.directory(project), language.command(project, language.exchange, List.of()),
                env);
    }

    /** What every exchange service of these tests is started with, but its keys. */
    private static Map<String, String> exchangeEnvironment(Path dataDir, String audience) {
        Map<String, String> env = new HashMap<>();
        env.put("WEBAUTHN_ISSUER", ISSUER);
        env.put("WEBAUTHN_AUDIENCE", AUDIENCE);
        env.put("WEBAUTHN_JWKS_COOLDOWN", COOLDOWN_SECONDS);
        env.put("EXCHANGE_BIND", "127.0.0.1");
        env.put("EXCHANGE_PORT", "0");
        env.put("EXCHANGE_ISSUER", "example-api");
        env.put("EXCHANGE_AUDIENCE", audience);
        env.put("EXCHANGE_DATA_DIR", dataDir.toString());
        return env;
    }

    private static HttpResponse<String> exchange(ExampleService service, String token) {
        return service.post("/auth/webauthn/exchange", "application/json", "{\"webauthn_token\": \"" + token + "\"}");
    }

    /**
     * A service that answers before reading a refused body must still read the connection's next request: this
     * harness's client asks to upgrade to h2c on every request (the JDK's default, like {@code curl --http2}), under
     * which an unread body lost about one request in fifty that followed it. Hence many rounds.
     */
    private static void assertRefusedBodiesKeepTheConnection(ExampleService service, String as) throws Exception {
        String large = "{\"webauthn_token\": \"" + "a".repeat(70 * 1024) + "\"}";
        for (int round = 0; round < REFUSED_BODY_ROUNDS; round++) {
            String what = as + ": round " + round + " of refused bodies on one connection";
            assertRefused(what, service.post("/auth/webauthn/exchange", "text/plain", "x"), 415, null);
            assertRefused(what, service.post("/auth/webauthn/exchange", "application/json", large), 413, null);
            assertRefused(what, service.post("/nowhere", "application/json", "{}"), 404, null);
            assertRefused(what, service.post("/auth/webauthn/exchange", "application/json", "{}"), 400, null);
        }
    }

    private static void assertRefused(String what, HttpResponse<String> response, int status, String reason)
            throws Exception {
        assertThat(response.statusCode()).as("%s: status; body %s", what, response.body()).isEqualTo(status);
        Map<String, Object> body = JSONObjectUtils.parse(response.body());
        assertThat(body).as("%s: JSON error", what).containsKeys("error", "message");
        if (status == 401) {
            assertThat(response.headers().firstValue("WWW-Authenticate")).as("%s: WWW-Authenticate", what)
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
        if (reason != null) {
            assertThat((String) body.get("message")).as("%s: message", what).startsWith(reason + ":");
        }
    }

    private Command.Result verify(ExampleLanguage language, List<String> keys, String token) {
        List<String> args = new ArrayList<>(keys);
        args.addAll(List.of("--issuer", ISSUER, "--audience", AUDIENCE, token));
        return Command.run(language.directory(project), RUN, Map.of(), language.command(project, language.verifier, args));
    }

    /** Real tokens from the running server: the project's dev-token tool signs in with a software passkey. */
    private List<String> devTokens(int count) {
        Command.Result result = project.mvnw(INSTALL, "-q", "-Pdev-token", "-Ddev.url=" + server.baseUrl(),
                "-Ddev.count=" + count).assertSuccess("dev-token");
        List<String> found = result.output().lines().filter(l -> l.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"))
                .toList();
        assertThat(found).as("tokens printed by dev-token:%n%s", result.output()).hasSize(count);
        return found;
    }

    private String awaitSigningKeyOtherThan(String kid) throws InterruptedException {
        Pattern signing = Pattern.compile("\"signingKey\":\"([^\"]+)\"");
        for (int i = 0; i < 100; i++) {
            var m = signing.matcher(server.get("/health").body());
            if (m.find() && !m.group(1).equals(kid)) {
                return m.group(1);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("The server still signs with " + kid + " 20 s after the rotation:\n" + server.log());
    }

    /** A real token's claims, fresh for ten minutes with a jti of its own, signed with its ring key under alg. */
    private String signWithRingKey(String real, JWSAlgorithm alg, String jti) throws Exception {
        SignedJWT token = SignedJWT.parse(real);
        String kid = token.getHeader().getKeyID();
        Instant now = Instant.now();
        return sign(ringKey(kid), kid, alg, new JWTClaimsSet.Builder(token.getJWTClaimsSet()).jwtID(jti)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
    }

    private RSAKey ringKey(String kid) throws Exception {
        return (RSAKey) JWKSet.load(project.file("docker/secrets/jwt_signing_keys.json").toFile()).getKeyByKeyId(kid);
    }

    /** Tokens that differ from a real one in one way each, signed with the project's ring key where they are signed. */
    private Map<String, String> hostileTokens(String real) throws Exception {
        SignedJWT token = SignedJWT.parse(real);
        String kid = token.getHeader().getKeyID();
        RSAKey ringKey = ringKey(kid);
        JWTClaimsSet claims = token.getJWTClaimsSet();
        Instant now = Instant.now();
        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("expired", sign(ringKey, kid, new JWTClaimsSet.Builder(claims).jwtID("expired-1")
                .issueTime(Date.from(now.minusSeconds(3600))).expirationTime(Date.from(now.minusSeconds(600))).build()));
        forged.put("wrong-issuer", sign(ringKey, kid, new JWTClaimsSet.Builder(claims).jwtID("issuer-1")
                .issuer("someone-else").build()));
        forged.put("wrong-audience", sign(ringKey, kid, new JWTClaimsSet.Builder(claims).jwtID("audience-1")
                .audience("another-api").build()));
        RSAKey foreign = new RSAKeyGenerator(2048).keyID("20260101-unknownKidAAAAAAA").generate();
        forged.put("unknown-kid", sign(foreign, foreign.getKeyID(), new JWTClaimsSet.Builder(claims).jwtID("kid-1").build()));
        String[] parts = real.split("\\.");
        String payload = Base64URL.encode(new JWTClaimsSet.Builder(claims).jwtID("none-1").build().toString()).toString();
        forged.put("alg-none", Base64URL.encode("{\"alg\":\"none\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}") + "."
                + payload + ".");
        String hsInput = Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}") + "."
                + Base64URL.encode(new JWTClaimsSet.Builder(claims).jwtID("hs-1").build().toString());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Files.readAllBytes(project.file("config/webauthn-public-key.pem")), "HmacSHA256"));
        forged.put("hs256-with-public-key", hsInput + "."
                + Base64URL.encode(mac.doFinal(hsInput.getBytes(StandardCharsets.US_ASCII))));
        String tamperedPayload = Base64URL.encode(new JWTClaimsSet.Builder(claims).subject("someone-else").build()
                .toString()).toString();
        forged.put("tampered-payload", parts[0] + "." + tamperedPayload + "." + parts[2]);
        return forged;
    }

    private static String sign(RSAKey key, String kid, JWTClaimsSet claims) throws Exception {
        return sign(key, kid, JWSAlgorithm.RS256, claims);
    }

    private static String sign(RSAKey key, String kid, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** The claims a verifier printed: the JSON object that starts on the first line beginning with a brace. */
    private static Map<String, Object> printedClaims(String output) throws Exception {
        int start = output.startsWith("{") ? 0 : output.indexOf("\n{");
        assertThat(start).as("a JSON object in:%n%s", output).isNotNegative();
        return JSONObjectUtils.parse(output.substring(start, output.lastIndexOf('}') + 1).strip());
    }
}
