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
        "WEBAUTHN_REGISTRATION_LIMIT_ADDRESS|20 per hour|WEBAUTHN_REGISTRATION_LIMIT_ADDRESS='20 per hour' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|10.0.0.0/33|WEBAUTHN_TRUSTED_PROXIES entry '10.0.0.0/33' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|10.0.0.0/x|WEBAUTHN_TRUSTED_PROXIES entry '10.0.0.0/x' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|300.1.2.3|WEBAUTHN_TRUSTED_PROXIES entry '300.1.2.3' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|::1/129|WEBAUTHN_TRUSTED_PROXIES entry '::1/129' is invalid",
        "WEBAUTHN_TRUSTED_PROXIES|http://proxy|WEBAUTHN_TRUSTED_PROXIES entry 'http://proxy' is invalid: expected an"
                + " address (10.0.0.5, fd00::5), a CIDR range (10.0.0.0/8) or a host name (proxy)",
        "WEBAUTHN_TRUSTED_PROXIES|proxy name|WEBAUTHN_TRUSTED_PROXIES entry 'proxy name' is invalid"})
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
