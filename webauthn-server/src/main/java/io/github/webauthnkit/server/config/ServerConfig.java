package io.github.webauthnkit.server.config;

import io.github.webauthnkit.keys.core.Durations;
import io.github.webauthnkit.keys.core.KeyRingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The server's configuration, read once at start-up from environment variables over the defaults this project was
 * generated with ({@code webauthn-defaults.properties}). A bad value stops start-up with a message that names the
 * variable. Secrets are read from files ({@code *_FILE}) and never kept in this record's string form.
 *
 * @param port                 WEBAUTHN_PORT
 * @param rpId                 WEBAUTHN_RP_ID: the relying party id (a registrable domain of the origins)
 * @param rpName               WEBAUTHN_RP_NAME
 * @param origins              WEBAUTHN_ORIGINS: exact scheme://host[:port] values browsers may call from, without
 *                             the scheme's default port (443, 80), as browsers write them
 * @param issuer               WEBAUTHN_JWT_ISSUER
 * @param audience             WEBAUTHN_JWT_AUDIENCE
 * @param tokenTtl             WEBAUTHN_TOKEN_TTL
 * @param keysFile             WEBAUTHN_KEYS_FILE: the key ring written by webauthn-keys:rotate
 * @param dbUrl                WEBAUTHN_DB_URL: a PostgreSQL JDBC URL, or empty for the embedded file database
 * @param dbUser               WEBAUTHN_DB_USER
 * @param dbPasswordFile       WEBAUTHN_DB_PASSWORD_FILE
 * @param redisUrl             WEBAUTHN_REDIS_URL: empty keeps ceremony state and rate limits in memory
 * @param redisPasswordFile    WEBAUTHN_REDIS_PASSWORD_FILE
 * @param dataDir              WEBAUTHN_DATA_DIR: where the embedded database lives
 * @param userVerification     WEBAUTHN_USER_VERIFICATION: required, preferred or discouraged
 * @param attestation          WEBAUTHN_ATTESTATION: none, indirect, direct or enterprise
 * @param residentKey          WEBAUTHN_RESIDENT_KEY: required, preferred or discouraged
 * @param ceremonyTimeout      WEBAUTHN_CEREMONY_TIMEOUT: how long a started ceremony may be completed
 * @param bindAddress          WEBAUTHN_BIND_ADDRESS: the interface to listen on
 * @param trustProxy           WEBAUTHN_TRUST_PROXY: take the client address from X-Forwarded-For (only behind a proxy
 *                             that sets it, such as the production stack's)
 * @param trustedProxies       WEBAUTHN_TRUSTED_PROXIES: the proxies whose X-Forwarded-For counts (required with
 *                             WEBAUTHN_TRUST_PROXY); a request from any other peer is that peer's
 * @param failuresPerAddress   WEBAUTHN_RATE_LIMIT_ADDRESS: failed ceremonies per client address and window
 * @param failuresPerUsername  WEBAUTHN_RATE_LIMIT_USERNAME: failed sign-ins per username from one client address and
 *                             window (failures from elsewhere never lock the account's owner out)
 * @param rateLimitWindow      WEBAUTHN_RATE_LIMIT_WINDOW
 * @param startsPerAddress     WEBAUTHN_START_LIMIT_ADDRESS: ceremony starts (registration and sign-in) per client
 *                             address, a token bucket of that many refilled over the period
 * @param pendingPerAddress    WEBAUTHN_PENDING_LIMIT_ADDRESS: ceremonies a client address started and has not yet
 *                             completed (until they expire)
 * @param registrationsPerAddress WEBAUTHN_REGISTRATION_LIMIT_ADDRESS: registration ceremonies (new accounts and added
 *                             passkeys) per client address, a token bucket like starts
 * @param androidApps          WEBAUTHN_ANDROID_APPS: the Android apps that may use this relying party, as
 *                             {@code package=SHA-256 fingerprint of a signing certificate} entries (a package signed
 *                             with more than one certificate is listed once per certificate)
 * @param iosApps              WEBAUTHN_IOS_APPS: the iOS apps that may use it, as {@code TEAMID.bundle.id}
 * @param relatedOrigins       WEBAUTHN_RELATED_ORIGINS: other web origins that may use this RP ID (WebAuthn Level 3
 *                             Related Origin Requests), published at /.well-known/webauthn
 * @param nativeCrypto         WEBAUTHN_NATIVE_CRYPTO: signatures by the Amazon Corretto Crypto Provider where its
 *                             native library loads (true), or always by the JDK's own providers (false)
 * @param pendingLimit         WEBAUTHN_PENDING_LIMIT: ceremonies all clients together may have pending, in places of
 *                             1.5 KB (a registration takes one, a larger state as many as its size needs), in memory
 *                             or in Redis across all replicas, at most {@link #MAX_PENDING_LIMIT}; 0 (the default,
 *                             the variable empty) sizes it from the heap in memory and is
 *                             {@link io.github.webauthnkit.server.ceremonies.RedisCeremonyStore#DEFAULT_PENDING} in
 *                             Redis. When all are taken, a start takes the place of the oldest ceremony of the client
 *                             holding the most, in the network holding the most
 */
public record ServerConfig(int port, String rpId, String rpName, Set<String> origins, String issuer, String audience,
                           Duration tokenTtl, Path keysFile, String dbUrl, String dbUser, Path dbPasswordFile,
                           String redisUrl, Path redisPasswordFile, Path dataDir, String userVerification,
                           String attestation, String residentKey, Duration ceremonyTimeout, String bindAddress,
                           boolean trustProxy, TrustedProxies trustedProxies, int failuresPerAddress,
                           int failuresPerUsername, Duration rateLimitWindow, Rate startsPerAddress,
                           int pendingPerAddress, Rate registrationsPerAddress, List<AndroidApp> androidApps,
                           List<String> iosApps, Set<String> relatedOrigins,
                           boolean nativeCrypto, int pendingLimit) {
    /**
     * The most WEBAUTHN_PENDING_LIMIT may be, as the heap's bound is at most: 150 MB of states. The Redis store counts
     * its shares exactly far beyond it, and counts everything again in one script after Redis lost part of its
     * bookkeeping, which takes about a second for 30,000 pending ceremonies and should not block Redis for much longer.
     */
    public static final int MAX_PENDING_LIMIT = 100_000;

    /** A token bucket: {@code count} at once, refilled at {@code count} per {@code period}; written "30/1m". */
    public record Rate(int count, Duration period) {
        @Override
        public String toString() {
            return count + "/" + Reader.show(period);
        }
    }

    /**
     * An Android app allowed to use this relying party.
     *
     * @param fingerprint the SHA-256 fingerprint of its signing certificate, upper-case hex bytes separated by colons,
     *                    as keytool prints it and as assetlinks.json lists it
     */
    public record AndroidApp(String packageName, String fingerprint) {
        /** The origin in the clientDataJSON of the app's ceremonies: the fingerprint's bytes in base64url. */
        public String origin() {
            return ANDROID_ORIGIN_PREFIX + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(HexFormat.ofDelimiter(":").parseHex(fingerprint));
        }
    }

    /** How Android's Credential Manager writes the origin of a native app's ceremony. */
    public static final String ANDROID_ORIGIN_PREFIX = "android:apk-key-hash:";

    /** The largest request body accepted; WebAuthn responses are a few kilobytes. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** An Android application id: two or more segments of letters, digits and underscores, each starting with a letter. */
    static final Pattern ANDROID_PACKAGE = Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+");
    /** A SHA-256 certificate fingerprint as keytool prints it. */
    static final Pattern FINGERPRINT = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}");
    /** An iOS app id: the Team ID (ten upper-case letters and digits), a dot, the bundle id. */
    static final Pattern IOS_APP = Pattern.compile("[A-Z0-9]{10}\\.[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*");
    private static final String EXAMPLE_FINGERPRINT = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8"
            + ":8A:04:96:B2:3F:CF:44:E5";

    /** A host name: WEBAUTHN_RP_ID, and a name in WEBAUTHN_TRUSTED_PROXIES. */
    static final Pattern HOST = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    /** Reads the configuration from the process environment. */
    public static ServerConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads the configuration from the given variables over the generated defaults. */
    public static ServerConfig fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>(defaults());
        environment.forEach((k, v) -> {
            if (k.startsWith("WEBAUTHN_") && v != null) {
                values.put(k, v.trim());
            }
        });
        Reader r = new Reader(values);
        String rpId = r.rpId();
        Set<String> origins = r.origins(rpId);
        String dbUrl = r.optional("WEBAUTHN_DB_URL");
        if (!dbUrl.isEmpty() && !dbUrl.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("WEBAUTHN_DB_URL='" + dbUrl + "' is not supported: use a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://postgres:5432/webauthn, or leave it empty for the embedded database.");
        }
        String redisUrl = r.optional("WEBAUTHN_REDIS_URL");
        if (!redisUrl.isEmpty() && !redisUrl.matches("rediss?://[^\\s/@:]+(:\\d+)?(/\\d+)?")) {
            throw new ConfigException("WEBAUTHN_REDIS_URL='" + redisUrl + "' is not a Redis URL such as redis://redis:6379"
                    + " (the password comes from WEBAUTHN_REDIS_PASSWORD_FILE, never from the URL).");
        }
        ServerConfig config = new ServerConfig(
                r.port("WEBAUTHN_PORT"),
                rpId,
                r.text("WEBAUTHN_RP_NAME", 64),
                origins,
                r.text("WEBAUTHN_JWT_ISSUER", 256),
                r.text("WEBAUTHN_JWT_AUDIENCE", 256),
                r.duration("WEBAUTHN_TOKEN_TTL", Duration.ofMinutes(1), Duration.ofHours(24)),
                r.path("WEBAUTHN_KEYS_FILE"),
                dbUrl,
                r.optional("WEBAUTHN_DB_USER"),
                r.optionalPath("WEBAUTHN_DB_PASSWORD_FILE"),
                redisUrl,
                r.optionalPath("WEBAUTHN_REDIS_PASSWORD_FILE"),
                r.path("WEBAUTHN_DATA_DIR"),
                r.oneOf("WEBAUTHN_USER_VERIFICATION", List.of("required", "preferred", "discouraged")),
                r.oneOf("WEBAUTHN_ATTESTATION", List.of("none", "indirect", "direct", "enterprise")),
                r.oneOf("WEBAUTHN_RESIDENT_KEY", List.of("required", "preferred", "discouraged")),
                r.duration("WEBAUTHN_CEREMONY_TIMEOUT", Duration.ofSeconds(1), Duration.ofMinutes(30)),
                r.text("WEBAUTHN_BIND_ADDRESS", 255),
                Boolean.parseBoolean(r.oneOf("WEBAUTHN_TRUST_PROXY", List.of("true", "false"))),
                TrustedProxies.parse(r.optional("WEBAUTHN_TRUSTED_PROXIES")),
                r.count("WEBAUTHN_RATE_LIMIT_ADDRESS"),
                r.count("WEBAUTHN_RATE_LIMIT_USERNAME"),
                r.duration("WEBAUTHN_RATE_LIMIT_WINDOW", Duration.ofSeconds(1), Duration.ofDays(1)),
                r.rate("WEBAUTHN_START_LIMIT_ADDRESS"),
                r.count("WEBAUTHN_PENDING_LIMIT_ADDRESS"),
                r.rate("WEBAUTHN_REGISTRATION_LIMIT_ADDRESS"),
                r.androidApps(),
                r.iosApps(),
                r.relatedOrigins(),
                Boolean.parseBoolean(r.oneOf("WEBAUTHN_NATIVE_CRYPTO", List.of("true", "false"))),
                r.optional("WEBAUTHN_PENDING_LIMIT").isEmpty() ? 0
                        : r.count("WEBAUTHN_PENDING_LIMIT", MAX_PENDING_LIMIT));
        if (config.audience().equals(config.managementAudience())) {
            throw new ConfigException("WEBAUTHN_JWT_AUDIENCE='" + config.audience() + "' is the audience of this"
                    + " server's own management tokens; choose the audience of the services that accept its tokens.");
        }
        if (config.trustProxy() && config.trustedProxies().isEmpty()) {
            throw new ConfigException("WEBAUTHN_TRUST_PROXY is true but WEBAUTHN_TRUSTED_PROXIES is empty: list the"
                    + " proxies whose X-Forwarded-For names the client (addresses, CIDR ranges or host names, such as"
                    + " 10.0.0.5, 10.0.0.0/8 or proxy); from any other peer the header could be forged.");
        }
        if (!dbUrl.isEmpty() && config.dbPasswordFile() == null) {
            throw new ConfigException("WEBAUTHN_DB_URL is set but WEBAUTHN_DB_PASSWORD_FILE is not: point it at the file"
                    + " holding the database password (for example /run/secrets/postgres_password).");
        }
        if (!redisUrl.isEmpty() && config.redisPasswordFile() == null) {
            throw new ConfigException("WEBAUTHN_REDIS_URL is set but WEBAUTHN_REDIS_PASSWORD_FILE is not: point it at the"
                    + " file holding the Redis password (for example /run/secrets/redis_password).");
        }
        return config;
    }

    /**
     * The audience of management tokens, which change an account's passkeys: only this server accepts it, never
     * {@link #audience()}, so a management token is no API token and an API token no management token.
     */
    public String managementAudience() {
        return issuer + "#account";
    }

    /**
     * Every origin a ceremony may come from: the web origins, the related origins, the Android apps' signing
     * certificates, and, with iOS apps, {@code https://<RP ID>}, which Apple's platform writes for an app's ceremony.
     */
    public Set<String> ceremonyOrigins() {
        Set<String> all = new LinkedHashSet<>(origins);
        all.addAll(relatedOrigins);
        androidApps.forEach(app -> all.add(app.origin()));
        if (!iosApps.isEmpty()) {
            all.add("https://" + rpId);
        }
        return Set.copyOf(all);
    }

    /** Whether browsers reach this server over https only (then HSTS is sent). */
    public boolean httpsOnly() {
        return origins.stream().allMatch(o -> o.startsWith("https://"));
    }

    public boolean embeddedDatabase() {
        return dbUrl.isEmpty();
    }

    public boolean embeddedCeremonyState() {
        return redisUrl.isEmpty();
    }

    /** Reads a secret file's content without its final line ending; the value is never logged. */
    public static String readSecret(String variable, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).replaceAll("\\r?\\n$", "");
        } catch (IOException e) {
            throw new ConfigException(variable + "=" + file + " cannot be read: " + e.getMessage());
        }
    }

    private static Map<String, String> defaults() {
        Properties properties = new Properties();
        try (InputStream in = ServerConfig.class.getResourceAsStream("/webauthn-defaults.properties")) {
            if (in != null) {
                properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> values = new HashMap<>();
        values.put("WEBAUTHN_PORT", "8080");
        values.put("WEBAUTHN_RP_ID", "localhost");
        values.put("WEBAUTHN_RP_NAME", "WebAuthn Demo");
        values.put("WEBAUTHN_ORIGINS", "http://localhost:8080");
        values.put("WEBAUTHN_JWT_ISSUER", "webauthn-server");
        values.put("WEBAUTHN_JWT_AUDIENCE", "webauthn-api");
        values.put("WEBAUTHN_TOKEN_TTL", "15m");
        values.put("WEBAUTHN_KEYS_FILE", "docker/secrets/jwt_signing_keys.json");
        values.put("WEBAUTHN_DATA_DIR", "./data");
        values.put("WEBAUTHN_USER_VERIFICATION", "preferred");
        values.put("WEBAUTHN_ATTESTATION", "none");
        values.put("WEBAUTHN_RESIDENT_KEY", "preferred");
        values.put("WEBAUTHN_CEREMONY_TIMEOUT", "5m");
        values.put("WEBAUTHN_BIND_ADDRESS", "0.0.0.0");
        values.put("WEBAUTHN_TRUST_PROXY", "false");
        values.put("WEBAUTHN_RATE_LIMIT_ADDRESS", "30");
        values.put("WEBAUTHN_RATE_LIMIT_USERNAME", "5");
        values.put("WEBAUTHN_RATE_LIMIT_WINDOW", "5m");
        values.put("WEBAUTHN_START_LIMIT_ADDRESS", "60/1m");
        values.put("WEBAUTHN_PENDING_LIMIT_ADDRESS", "100");
        values.put("WEBAUTHN_REGISTRATION_LIMIT_ADDRESS", "20/1h");
        values.put("WEBAUTHN_NATIVE_CRYPTO", "true");
        properties.forEach((k, v) -> values.put(k.toString(), v.toString()));
        return values;
    }

    /** Reads and validates one variable at a time, each message naming it. */
    private record Reader(Map<String, String> values) {

        String optional(String name) {
            return values.getOrDefault(name, "");
        }

        String required(String name) {
            String value = optional(name);
            if (value.isEmpty()) {
                throw new ConfigException(name + " is empty; it is required.");
            }
            return value;
        }

        String text(String name, int maxLength) {
            String value = required(name);
            if (value.length() > maxLength || value.chars().anyMatch(Character::isISOControl)) {
                throw new ConfigException(name + "='" + value + "' is invalid: expected at most " + maxLength
                        + " printable characters.");
            }
            return value;
        }

        int port(String name) {
            String value = required(name);
            try {
                int port = Integer.parseInt(value);
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(name + "='" + value + "' is invalid: expected a port number from 1 to 65535"
                    + " (0 picks a free port).");
        }

        int count(String name) {
            return count(name, Integer.MAX_VALUE);
        }

        int count(String name, int max) {
            String value = required(name);
            try {
                int count = Integer.parseInt(value);
                if (count >= 1 && count <= max) {
                    return count;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(name + "='" + value + "' is invalid: expected a whole number of at least 1"
                    + (max == Integer.MAX_VALUE ? "." : " and at most " + max + "."));
        }

        /** "count/duration", such as 60/1m: at most a million per period of 1 s to 1 day. */
        Rate rate(String name) {
            String value = required(name);
            String[] parts = value.split("/", 2);
            try {
                int count = Integer.parseInt(parts[0].trim());
                Duration period = parts.length == 2 ? Durations.parse(name, parts[1].trim()) : null;
                if (count >= 1 && count <= 1_000_000 && period != null && period.compareTo(Duration.ofSeconds(1)) >= 0
                        && period.compareTo(Duration.ofDays(1)) <= 0) {
                    return new Rate(count, period);
                }
            } catch (NumberFormatException | KeyRingException e) {
                // reported below
            }
            throw new ConfigException(name + "='" + value + "' is invalid: expected a count from 1 to 1000000, a"
                    + " slash and a period from 1s to 24h, such as 60/1m.");
        }

        String oneOf(String name, List<String> allowed) {
            String value = required(name).toLowerCase(Locale.ROOT);
            if (!allowed.contains(value)) {
                throw new ConfigException(name + "='" + value + "' is invalid: expected one of "
                        + String.join(", ", allowed) + ".");
            }
            return value;
        }

        Path path(String name) {
            return Path.of(required(name));
        }

        Path optionalPath(String name) {
            String value = optional(name);
            return value.isEmpty() ? null : Path.of(value);
        }

        /** The key ring's duration forms (webauthn-keys-core), within the range this variable allows. */
        Duration duration(String name, Duration min, Duration max) {
            String value = required(name);
            Duration duration;
            try {
                duration = Durations.parse(name, value);
            } catch (KeyRingException e) {
                duration = null;
            }
            if (duration == null || duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
                throw new ConfigException(name + "='" + value + "' is invalid: expected a duration from " + show(min)
                        + " to " + show(max) + ", such as 15m, 1h or PT15M.");
            }
            return duration;
        }

        String rpId() {
            String value = required("WEBAUTHN_RP_ID").toLowerCase(Locale.ROOT);
            if (!HOST.matcher(value).matches()) {
                throw new ConfigException("WEBAUTHN_RP_ID='" + value + "' is invalid: expected a host name such as"
                        + " example.com or localhost.");
            }
            return value;
        }

        Set<String> origins(String rpId) {
            Set<String> origins = originList("WEBAUTHN_ORIGINS", rpId);
            if (origins.isEmpty()) {
                throw new ConfigException("WEBAUTHN_ORIGINS is empty; list the origins browsers use, such as"
                        + " https://auth.example.com.");
            }
            return origins;
        }

        /** Other sites' origins: any host, since they are not under the RP ID. */
        Set<String> relatedOrigins() {
            return originList("WEBAUTHN_RELATED_ORIGINS", null);
        }

        /** @param rpId the host every origin must be or be under, or null for any host */
        private Set<String> originList(String name, String rpId) {
            Set<String> origins = new LinkedHashSet<>();
            for (String raw : list(name)) {
                URI uri;
                try {
                    uri = URI.create(raw);
                } catch (IllegalArgumentException e) {
                    throw badEntry(name, raw, "it is not a URL");
                }
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null
                        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                        || uri.getRawUserInfo() != null) {
                    throw badEntry(name, raw, "an origin is scheme://host[:port] with no path");
                }
                String host = uri.getHost().toLowerCase(Locale.ROOT);
                if (scheme.equals("http") && !host.equals("localhost") && !host.endsWith(".localhost")
                        && !host.equals("127.0.0.1")) {
                    throw badEntry(name, raw, "browsers allow WebAuthn over http only on localhost; use https");
                }
                if (rpId != null && !host.equals(rpId) && !host.endsWith("." + rpId)) {
                    throw badEntry(name, raw, "its host is not WEBAUTHN_RP_ID (" + rpId + ") or a subdomain of it");
                }
                // A browser's origin never names the scheme's default port: https://host:443 is https://host.
                boolean defaultPort = uri.getPort() == -1 || uri.getPort() == (scheme.equals("https") ? 443 : 80);
                origins.add(scheme + "://" + host + (defaultPort ? "" : ":" + uri.getPort()));
            }
            return Set.copyOf(origins);
        }

        /** package=fingerprint entries; the same package may come again with another certificate. */
        List<AndroidApp> androidApps() {
            Set<AndroidApp> apps = new LinkedHashSet<>();
            for (String entry : list("WEBAUTHN_ANDROID_APPS")) {
                String[] parts = entry.split("=", 2);
                String packageName = parts[0].trim();
                if (parts.length != 2 || !ANDROID_PACKAGE.matcher(packageName).matches()) {
                    throw badEntry("WEBAUTHN_ANDROID_APPS", entry, "expected an application id, an equals sign and the"
                            + " SHA-256 fingerprint of its signing certificate, such as com.example.app=" + EXAMPLE_FINGERPRINT);
                }
                String fingerprint = parts[1].trim();
                if (!FINGERPRINT.matcher(fingerprint).matches()) {
                    throw badEntry("WEBAUTHN_ANDROID_APPS", entry, "the fingerprint '" + fingerprint + "' is not a"
                            + " SHA-256 certificate fingerprint: expected 32 hex bytes separated by colons, as"
                            + " 'keytool -list -v' prints after 'SHA256:', such as " + EXAMPLE_FINGERPRINT);
                }
                apps.add(new AndroidApp(packageName, fingerprint.toUpperCase(Locale.ROOT)));
            }
            return List.copyOf(apps);
        }

        List<String> iosApps() {
            Set<String> apps = new LinkedHashSet<>();
            for (String entry : list("WEBAUTHN_IOS_APPS")) {
                if (!IOS_APP.matcher(entry).matches()) {
                    throw badEntry("WEBAUTHN_IOS_APPS", entry, "expected the app's ten-character Team ID, a dot and"
                            + " its bundle id, such as ABCDE12345.com.example.app");
                }
                apps.add(entry);
            }
            return List.copyOf(apps);
        }

        private List<String> list(String name) {
            return Arrays.stream(optional(name).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        private static ConfigException badEntry(String name, String entry, String why) {
            return new ConfigException(name + " entry '" + entry + "' is invalid: " + why + ".");
        }

        private static String show(Duration d) {
            return d.toSeconds() % 3600 == 0 ? d.toHours() + "h" : d.toSeconds() % 60 == 0 ? d.toMinutes() + "m"
                    : d.toSeconds() + "s";
        }
    }
}
