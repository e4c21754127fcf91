package io.github.webauthnkit.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerConfigTest {

    @Test
    void generatedDefaultsApplyAndVariablesOverrideThem() {
        ServerConfig defaults = ServerConfig.fromEnvironment(Map.of());
        assertThat(defaults.rpId()).isNotBlank();
        assertThat(defaults.origins()).isNotEmpty();
        assertThat(defaults.embeddedDatabase()).isTrue();
        assertThat(defaults.embeddedCeremonyState()).isTrue();

        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_PORT", "9443", "WEBAUTHN_RP_ID", "example.com",
                "WEBAUTHN_ORIGINS", "https://auth.example.com, https://example.com:8443", "WEBAUTHN_TOKEN_TTL", "PT5M"));
        assertThat(config.port()).isEqualTo(9443);
        assertThat(config.origins()).containsExactlyInAnyOrder("https://auth.example.com", "https://example.com:8443");
        assertThat(config.tokenTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.httpsOnly()).isTrue();
        assertThat(defaults.startsPerAddress()).isEqualTo(new ServerConfig.Rate(60, Duration.ofMinutes(1)));
        assertThat(defaults.pendingPerAddress()).isEqualTo(100);
        assertThat(defaults.registrationsPerAddress()).isEqualTo(new ServerConfig.Rate(20, Duration.ofHours(1)));
        assertThat(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_START_LIMIT_ADDRESS", "10 / 30s")).startsPerAddress()
                .toString()).isEqualTo("10/30s");
    }

    @Test
    void appsAndRelatedOriginsAreEmptyByDefaultAndJoinTheCeremonyOrigins() {
        ServerConfig defaults = ServerConfig.fromEnvironment(Map.of());
        assertThat(defaults.androidApps()).isEmpty();
        assertThat(defaults.iosApps()).isEmpty();
        assertThat(defaults.relatedOrigins()).isEmpty();
        assertThat(defaults.ceremonyOrigins()).isEqualTo(defaults.origins());

        String fingerprint = "14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16:a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf"
                + ":44:e5";
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_RP_ID", "example.com",
                "WEBAUTHN_ORIGINS", "https://auth.example.com", "WEBAUTHN_ANDROID_APPS", " com.example.app = "
                        + fingerprint + " ", "WEBAUTHN_IOS_APPS", "ABCDE12345.com.example.app",
                "WEBAUTHN_RELATED_ORIGINS", "https://example.de:443, http://shop.localhost:8080"));
        assertThat(config.androidApps()).containsExactly(new ServerConfig.AndroidApp("com.example.app",
                fingerprint.toUpperCase()));
        // The base64url of the fingerprint's bytes, as Credential Manager writes it.
        assertThat(config.androidApps().get(0).origin())
                .isEqualTo("android:apk-key-hash:FG3pg8VzBlDY7rmVLzT8ZBagg0LmHb6oigSWsj_PROU");
        assertThat(config.ceremonyOrigins()).containsExactlyInAnyOrder("https://auth.example.com",
                "https://example.de", "http://shop.localhost:8080",
                "android:apk-key-hash:FG3pg8VzBlDY7rmVLzT8ZBagg0LmHb6oigSWsj_PROU", "https://example.com");
    }

    /** Browsers never write the default port in an origin, so a configured one would never match. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://auth.example.com:443|https://auth.example.com",
        "HTTPS://Auth.Example.com:443|https://auth.example.com",
        "https://auth.example.com:8443|https://auth.example.com:8443",
        "https://auth.example.com:80|https://auth.example.com:80"})
    void anOriginWithItsDefaultPortIsTheOriginBrowsersSend(String configured, String expected) {
        assertThat(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_RP_ID", "example.com", "WEBAUTHN_ORIGINS", configured))
                .origins()).containsExactly(expected);
        assertThat(ServerConfig.fromEnvironment(Map.of("WEBAUTHN_ORIGINS", "http://localhost:80, http://localhost:8080"))
                .origins()).containsExactlyInAnyOrder("http://localhost", "http://localhost:8080");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "WEBAUTHN_PORT|70000|WEBAUTHN_PORT='70000' is invalid: expected a port number from 1 to 65535",
        "WEBAUTHN_PORT|http|WEBAUTHN_PORT='http' is invalid",
        "WEBAUTHN_RP_ID|Not A Host|WEBAUTHN_RP_ID='not a host' is invalid: expected a host name",
        "WEBAUTHN_ORIGINS|https://evil.test|WEBAUTHN_ORIGINS entry 'https://evil.test' is invalid: its host is not WEBAUTHN_RP_ID",
        "WEBAUTHN_ORIGINS|http://auth.localhost.test|WEBAUTHN_ORIGINS entry 'http://auth.localhost.test' is invalid",
        "WEBAUTHN_ORIGINS|http://localhost:8080/app|an origin is scheme://host[:port] with no path",
        "WEBAUTHN_TOKEN_TTL|forever|WEBAUTHN_TOKEN_TTL='forever' is invalid: expected a duration from 1m to 24h",
        "WEBAUTHN_TOKEN_TTL|48h|WEBAUTHN_TOKEN_TTL='48h' is invalid",
        "WEBAUTHN_USER_VERIFICATION|always|WEBAUTHN_USER_VERIFICATION='always' is invalid: expected one of required, preferred, discouraged",
        "WEBAUTHN_ATTESTATION|maybe|WEBAUTHN_ATTESTATION='maybe' is invalid",
        "WEBAUTHN_DB_URL|jdbc:mysql://db/x|WEBAUTHN_DB_URL='jdbc:mysql://db/x' is not supported",
        "WEBAUTHN_REDIS_URL|redis://:secret@redis:6379|is not a Redis URL such as redis://redis:6379",
        "WEBAUTHN_RATE_LIMIT_ADDRESS|0|WEBAUTHN_RATE_LIMIT_ADDRESS='0' is invalid",
        "WEBAUTHN_JWT_AUDIENCE|webauthn-server#account|is the audience of this server's own management tokens",
        "WEBAUTHN_START_LIMIT_ADDRESS|60|WEBAUTHN_START_LIMIT_ADDRESS='60' is invalid: expected a count from 1 to"
                + " 1000000, a slash and a period from 1s to 24h, such as 60/1m",
        "WEBAUTHN_START_LIMIT_ADDRESS|0/1m|WEBAUTHN_START_LIMIT_ADDRESS='0/1m' is invalid",
        "WEBAUTHN_START_LIMIT_ADDRESS|60/2d|WEBAUTHN_START_LIMIT_ADDRESS='60/2d' is invalid",
        "WEBAUTHN_START_LIMIT_ADDRESS|many/1m|WEBAUTHN_START_LIMIT_ADDRESS='many/1m' is invalid",
        "WEBAUTHN_PENDING_LIMIT_ADDRESS|0|WEBAUTHN_PENDING_LIMIT_ADDRESS='0' is invalid",
        "WEBAUTHN_PENDING_LIMIT|0|WEBAUTHN_PENDING_LIMIT='0' is invalid: expected a whole number of at least 1",
        "WEBAUTHN_PENDING_LIMIT|heap|WEBAUTHN_PENDING_LIMIT='heap' is invalid",
        "WEBAUTHN_PENDING_LIMIT|100001|WEBAUTHN_PENDING_LIMIT='100001' is invalid: expected a whole number of at least"
                + " 1 and at most 100000.",
        "WEBAUTHN_REGISTRATION_LIMIT_ADDRESS|20 per hour|WEBAUTHN_REGISTRATION_LIMIT_ADDRESS='20 per hour' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|10.0.0.0/33|WEBAUTHN_TRUSTED_PROXIES entry '10.0.0.0/33' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|10.0.0.0/x|WEBAUTHN_TRUSTED_PROXIES entry '10.0.0.0/x' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|300.1.2.3|WEBAUTHN_TRUSTED_PROXIES entry '300.1.2.3' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|::1/129|WEBAUTHN_TRUSTED_PROXIES entry '::1/129' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|http://proxy|WEBAUTHN_TRUSTED_PROXIES entry 'http://proxy' is invalid: expected an"
                + " address (10.0.0.5, fd00::5), a CIDR range (10.0.0.0/8) or a host name (proxy)",
        "WEBAUTHN_TRUSTED_PROXIES|proxy name|WEBAUTHN_TRUSTED_PROXIES entry 'proxy name' is invalid",
        "WEBAUTHN_ANDROID_APPS|com.example.app=14:6D:E9|WEBAUTHN_ANDROID_APPS entry 'com.example.app=14:6D:E9' is"
                + " invalid: the fingerprint '14:6D:E9' is not a SHA-256 certificate fingerprint: expected 32 hex bytes"
                + " separated by colons, as 'keytool -list -v' prints after 'SHA256:'",
        "WEBAUTHN_ANDROID_APPS|com.example.app=146DE983C5730650D8EEB9952F34FC6416A08342E61DBEA88A0496B23FCF44E5|the"
                + " fingerprint '146DE983C5730650D8EEB9952F34FC6416A08342E61DBEA88A0496B23FCF44E5' is not a SHA-256",
        "WEBAUTHN_ANDROID_APPS|com.example.app=SHA1:14:6D|the fingerprint 'SHA1:14:6D' is not",
        "WEBAUTHN_ANDROID_APPS|example=14:6D|WEBAUTHN_ANDROID_APPS entry 'example=14:6D' is invalid: expected an"
                + " application id, an equals sign and the SHA-256 fingerprint",
        "WEBAUTHN_IOS_APPS|com.example.app|WEBAUTHN_IOS_APPS entry 'com.example.app' is invalid: expected the app's"
                + " ten-character Team ID, a dot and its bundle id, such as ABCDE12345.com.example.app",
        "WEBAUTHN_RELATED_ORIGINS|http://shop.example|WEBAUTHN_RELATED_ORIGINS entry 'http://shop.example' is"
                + " invalid: browsers allow WebAuthn over http only on localhost; use https",
        "WEBAUTHN_RELATED_ORIGINS|https://shop.example/login|WEBAUTHN_RELATED_ORIGINS entry"
                + " 'https://shop.example/login' is invalid: an origin is scheme://host[:port] with no path"})
    void aBadValueStopsStartUpNamingTheVariable(String variable, String value, String message) {
        Map<String, String> env = new HashMap<>();
        env.put(variable, value);
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void trustingAProxyNeedsItsAddresses() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("WEBAUTHN_TRUST_PROXY", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("WEBAUTHN_TRUST_PROXY is true but WEBAUTHN_TRUSTED_PROXIES is empty");
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("WEBAUTHN_TRUST_PROXY", "true",
                "WEBAUTHN_TRUSTED_PROXIES", " 10.1.2.3 , 172.16.0.0/12,fd00::/8, proxy"));
        assertThat(config.trustedProxies().toString()).isEqualTo("10.1.2.3, 172.16.0.0/12, fd00::/8, proxy");
    }

    @Test
    void databaseAndRedisNeedTheirPasswordFiles() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("WEBAUTHN_DB_URL", "jdbc:postgresql://db:5432/w")))
                .hasMessageContaining("WEBAUTHN_DB_PASSWORD_FILE is not");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("WEBAUTHN_REDIS_URL", "redis://redis:6379")))
                .hasMessageContaining("WEBAUTHN_REDIS_PASSWORD_FILE is not");
    }
}
