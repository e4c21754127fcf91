import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import webauthn.example.ConfigException;
import webauthn.example.ExchangeSigningKey;
import webauthn.example.Refusal;
import webauthn.example.TokenVerifier;
import webauthn.example.UserStore;
import webauthn.example.VerificationKeys;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The exchange service: accepts the passkey server's token once, at sign-in, and from then on only its own.
 *
 * <pre>
 * POST /auth/webauthn/exchange  {"webauthn_token": "..."}  -> {"access_token", "token_type", "expires_in"}
 * GET  /api/profile             Authorization: Bearer &lt;exchanged token&gt;
 * GET  /.well-known/jwks.json   its own public key
 * GET  /health
 * </pre>
 *
 * Configured by environment variables only; see examples/README.md and examples/java/README.md.
 */
public final class TokenExchange {
    private static final int MAX_BODY = 64 * 1024;
    /** How much of an oversized body is read and discarded before the 413. */
    private static final long DRAIN_LIMIT = 16L * 1024 * 1024;
    private static final int THREADS = 8;
    private static final String PERMISSION = "profile:read";

    private TokenExchange() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        try {
            start(env);
        } catch (ConfigException e) {
            System.err.println("token-exchange: " + e.getMessage());
            System.exit(2);
        } catch (IOException | SQLException e) {
            System.err.println("token-exchange: cannot start: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void start(Map<String, String> env) throws ConfigException, IOException, SQLException {
        String webauthnIssuer = required(env, "WEBAUTHN_ISSUER");
        String webauthnAudience = required(env, "WEBAUTHN_AUDIENCE");
        String issuer = setting(env, "EXCHANGE_ISSUER", "example-api");
        String audience = setting(env, "EXCHANGE_AUDIENCE", "example-app");
        // Distinct values are what keeps the two kinds of token apart: neither is ever accepted in the other's place.
        if (issuer.equals(webauthnIssuer)) {
            throw new ConfigException("EXCHANGE_ISSUER must differ from WEBAUTHN_ISSUER (both are \"" + issuer + "\")");
        }
        if (audience.equals(webauthnAudience)) {
            throw new ConfigException(
                    "EXCHANGE_AUDIENCE must differ from WEBAUTHN_AUDIENCE (both are \"" + audience + "\")");
        }
        long port = VerificationKeys.nonNegative("EXCHANGE_PORT", setting(env, "EXCHANGE_PORT", "9000"));
        if (port > 65535) {
            throw new ConfigException("EXCHANGE_PORT must be at most 65535");
        }
        long ttl = VerificationKeys.nonNegative("EXCHANGE_TOKEN_TTL", setting(env, "EXCHANGE_TOKEN_TTL", "3600"));
        if (ttl == 0) {
            throw new ConfigException("EXCHANGE_TOKEN_TTL must be positive");
        }
        Duration leeway = Duration.ofSeconds(30);
        TokenVerifier passkeyTokens = new TokenVerifier(
                VerificationKeys.fromEnvironment(env, VerificationKeys.cooldownFromEnvironment(env)),
                TokenVerifier.parseAlgorithms(setting(env, "WEBAUTHN_ALGORITHMS", TokenVerifier.DEFAULT_ALGORITHMS)),
                webauthnIssuer, webauthnAudience, leeway, Clock.systemUTC());

        Path dataDir = Path.of(setting(env, "EXCHANGE_DATA_DIR", "./data"));
        ExchangeSigningKey.createDataDirectory(dataDir);
        ECKey signingKey = ExchangeSigningKey.loadOrCreate(dataDir);
        TokenVerifier ownTokens = new TokenVerifier(VerificationKeys.of(signingKey, "this service's key"),
                List.of(JWSAlgorithm.ES256), issuer, audience, leeway, Clock.systemUTC());
        UserStore store = new UserStore(dataDir, THREADS + 1);

        // Slow clients cannot hold a worker forever (a user's own -D setting wins, here and below).
        System.setProperty("sun.net.httpserver.maxReqTime",
                System.getProperty("sun.net.httpserver.maxReqTime", "10"));
        System.setProperty("sun.net.httpserver.maxRspTime",
                System.getProperty("sun.net.httpserver.maxRspTime", "10"));
        // The server writes the head and the body of an answer apart: with Nagle's algorithm on, the body waits for
        // the client's delayed ACK of the head, about 40 ms per answer.
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        InetSocketAddress address = new InetSocketAddress(setting(env, "EXCHANGE_BIND", "127.0.0.1"), (int) port);
        if (address.isUnresolved()) {
            throw new ConfigException("EXCHANGE_BIND " + address.getHostString() + " is not an address of this host");
        }
        HttpServer server = HttpServer.create(address, 64);
        AtomicInteger workers = new AtomicInteger();
        // A bounded pool with a bounded queue; when both are full the accepting thread runs the request itself,
        // which stops it accepting more until it is done.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(128), r -> {
                    Thread t = new Thread(r, "exchange-" + workers.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", new Api(passkeyTokens, ownTokens, signingKey, store, issuer, audience, ttl));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            executor.shutdown();
            store.close();
        }));

        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        System.out.println("listening on http://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + bound.getPort());
        System.out.flush();
    }

    private static String setting(Map<String, String> env, String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static String required(Map<String, String> env, String name) throws ConfigException {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            throw new ConfigException(name + " is not set (load ../example.env)");
        }
        return value;
    }

    /** A JSON error answer: {"error", "message"}, with extra headers such as WWW-Authenticate. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;

        final int status;
        final String error;
        final Map<String, String> headers;

        ApiError(int status, String error, String message, Map<String, String> headers) {
            super(message);
            this.status = status;
            this.error = error;
            this.headers = headers;
        }

        ApiError(int status, String error, String message) {
            this(status, error, message, Map.of());
        }

        static ApiError invalidToken(String reason, String detail) {
            return new ApiError(401, "invalid_token", reason + ": " + detail, Map.of("WWW-Authenticate",
                    "Bearer error=\"invalid_token\", error_description=\"" + reason + "\""));
        }
    }

    private static final class Api implements HttpHandler {
        private final TokenVerifier passkeyTokens;
        private final TokenVerifier ownTokens;
        private final JWSSigner signer;
        private final ECKey signingKey;
        private final UserStore store;
        private final String issuer;
        private final String audience;
        private final long ttl;

        Api(TokenVerifier passkeyTokens, TokenVerifier ownTokens, ECKey signingKey, UserStore store, String issuer,
            String audience, long ttl) throws ConfigException {
            this.passkeyTokens = passkeyTokens;
            this.ownTokens = ownTokens;
            this.signingKey = signingKey;
            this.store = store;
            this.issuer = issuer;
            this.audience = audience;
            this.ttl = ttl;
            try {
                this.signer = new ECDSASigner(signingKey);
            } catch (JOSEException e) {
                throw new ConfigException("the signing key cannot sign ES256: " + e.getMessage());
            }
        }

        @Override
        public void handle(HttpExchange exchange) {
            try {
                route(exchange);
            } catch (ApiError e) {
                e.headers.forEach(exchange.getResponseHeaders()::set);
                send(exchange, e.status, Map.of("error", e.error, "message", e.getMessage()));
            } catch (SQLException | JOSEException | RuntimeException e) {
                // Exception messages here name classes and SQL, never a token.
                System.err.println("token-exchange: " + exchange.getRequestMethod() + " "
                        + exchange.getRequestURI().getRawPath() + " failed: " + e);
                send(exchange, 500, Map.of("error", "server_error", "message", "internal error"));
            } finally {
                exchange.close();
            }
        }

        private void route(HttpExchange exchange) throws ApiError, SQLException, JOSEException {
            switch (exchange.getRequestURI().getRawPath()) {
                case "/auth/webauthn/exchange" -> {
                    allow(exchange, "POST");
                    exchangeToken(exchange);
                }
                case "/api/profile" -> {
                    allow(exchange, "GET");
                    profile(exchange);
                }
                case "/.well-known/jwks.json" -> {
                    allow(exchange, "GET");
                    exchange.getResponseHeaders().set("Cache-Control", "public, max-age=300");
                    send(exchange, 200, new JWKSet(signingKey.toPublicJWK()).toJSONObject());
                }
                case "/health" -> {
                    allow(exchange, "GET");
                    send(exchange, 200, Map.of("status", "UP"));
                }
                default -> throw new ApiError(404, "not_found", "no such endpoint");
            }
        }

        private static void allow(HttpExchange exchange, String method) throws ApiError {
            if (!exchange.getRequestMethod().equals(method)) {
                throw new ApiError(405, "method_not_allowed", "use " + method, Map.of("Allow", method));
            }
        }

        private void exchangeToken(HttpExchange exchange) throws ApiError, SQLException, JOSEException {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.split(";", 2)[0].trim().equalsIgnoreCase("application/json")) {
                throw new ApiError(415, "unsupported_media_type", "send Content-Type: application/json");
            }
            Map<String, Object> body;
            try {
                body = JSONObjectUtils.parse(new String(readBody(exchange), StandardCharsets.UTF_8));
            } catch (ParseException e) {
                throw new ApiError(400, "invalid_request", "the body is not a JSON object");
            }
            if (!(body.get("webauthn_token") instanceof String token) || token.isBlank()) {
                throw new ApiError(400, "invalid_request", "the body needs \"webauthn_token\": a string");
            }
            JWTClaimsSet claims = verify(passkeyTokens, token.trim(), "exchange");
            String jti = claims.getJWTID();
            if (jti == null) {
                throw ApiError.invalidToken("missing_claim", "the token has no jti, so it cannot be used only once");
            }
            String displayName;
            try {
                displayName = claims.getStringClaim("preferred_username");
            } catch (ParseException e) {
                displayName = null;
            }
            UserStore.User user;
            try {
                // The jti is kept as long as the token could still be accepted.
                user = store.exchange(jti, claims.getExpirationTime().toInstant().plus(passkeyTokens.leeway()),
                        claims.getSubject(), displayName);
            } catch (Refusal r) {
                System.err.println("token-exchange: exchange refused: " + r.reason());
                throw ApiError.invalidToken(r.reason(), r.detail());
            }
            Instant now = Instant.now();
            SignedJWT own = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT)
                            .build(),
                    new JWTClaimsSet.Builder()
                            .issuer(issuer)
                            .audience(audience)
                            .subject(user.id())
                            .issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(ttl)))
                            .jwtID(UUID.randomUUID().toString())
                            .claim("permissions", List.of(PERMISSION))
                            .build());
            own.sign(signer);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("access_token", own.serialize());
            answer.put("token_type", "Bearer");
            answer.put("expires_in", ttl);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            send(exchange, 200, answer);
        }

        private void profile(HttpExchange exchange) throws ApiError, SQLException {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    || authorization.substring(7).isBlank()) {
                throw ApiError.invalidToken("malformed", "send Authorization: Bearer <token from the exchange>");
            }
            JWTClaimsSet claims = verify(ownTokens, authorization.substring(7).trim(), "profile");
            if (!(claims.getClaim("permissions") instanceof List<?> permissions) || !permissions.contains(PERMISSION)) {
                throw new ApiError(403, "insufficient_scope", "the token lacks the " + PERMISSION + " permission",
                        Map.of("WWW-Authenticate",
                                "Bearer error=\"insufficient_scope\", scope=\"" + PERMISSION + "\""));
            }
            UserStore.User user = store.find(claims.getSubject()).orElseThrow(
                    () -> ApiError.invalidToken("unknown_user", "no local user has this token's sub"));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", user.id());
            answer.put("webauthn_sub", user.webauthnSub());
            answer.put("display_name", user.displayName());
            answer.put("created_at", user.createdAt().toString());
            answer.put("permissions", permissions);
            send(exchange, 200, answer);
        }

        private static JWTClaimsSet verify(TokenVerifier verifier, String token, String where) throws ApiError {
            try {
                return verifier.verify(token);
            } catch (Refusal r) {
                System.err.println("token-exchange: " + where + " refused: " + r.reason());
                throw ApiError.invalidToken(r.reason(), r.detail());
            }
        }

        private static byte[] readBody(HttpExchange exchange) throws ApiError {
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            if (length != null) {
                long declared;
                try {
                    declared = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    throw new ApiError(400, "invalid_request", "the Content-Length is not a number");
                }
                if (declared > MAX_BODY) {
                    throw tooLarge(exchange);
                }
            }
            byte[] body;
            try {
                body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
            } catch (IOException e) {
                // a client that stops sending is cut off by the server's read timeout
                throw new ApiError(400, "invalid_request", "the body could not be read");
            }
            if (body.length > MAX_BODY) {
                throw tooLarge(exchange);
            }
            return body;
        }

        /**
         * The 413, after reading what is left of the body (up to a bound): closing a connection with unread request
         * bytes makes the kernel reset it, which can destroy the answer before the client reads it. The connection
         * is closed afterwards all the same.
         */
        private static ApiError tooLarge(HttpExchange exchange) {
            try {
                long left = DRAIN_LIMIT;
                byte[] sink = new byte[8192];
                int read;
                while (left > 0 && (read = exchange.getRequestBody().read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
                    left -= read;
                }
            } catch (IOException e) {
                // the client stopped sending: nothing left to drain
            }
            return new ApiError(413, "payload_too_large", "the body is larger than 64 KiB", Map.of("Connection", "close"));
        }

        private static void send(HttpExchange exchange, int status, Map<String, ?> json) {
            byte[] bytes = JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
            try {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                boolean head = exchange.getRequestMethod().equals("HEAD");
                exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
                if (!head) {
                    exchange.getResponseBody().write(bytes);
                }
            } catch (IOException e) {
                // the client went away; nothing left to tell it
            }
        }
    }
}
