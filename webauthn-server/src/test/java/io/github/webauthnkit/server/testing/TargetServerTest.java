package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetServerTest {

    @Test
    void loopbackServersNeedNoFlagAndClaimTheLocalhostOrigin() {
        assertThat(TargetServer.of("http://127.0.0.1:8080/", null, false, "-Dx"))
                .isEqualTo(new TargetServer("http://127.0.0.1:8080", "http://localhost:8080"));
        assertThat(TargetServer.of("http://localhost:9000", null, false, "-Dx").origin()).isEqualTo("http://localhost:9000");
    }

    @Test
    void aRemoteServerIsRefusedWithoutTheFlagAndNamesIt() {
        assertThatThrownBy(() -> TargetServer.of("https://auth.example.com", null, false, "-Ddev.allowRemote"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Refusing to drive https://auth.example.com: it is not on this machine. Pass"
                        + " -Ddev.allowRemote=true if you own that server and mean it.");
        assertThat(TargetServer.of("https://auth.example.com", null, true, "-Ddev.allowRemote").origin())
                .isEqualTo("https://auth.example.com");
    }

    @Test
    void anExplicitOriginWinsAndNonHttpUrlsAreRefused() {
        assertThat(TargetServer.of("http://127.0.0.1:1", "https://app.test", false, "-Dx").origin())
                .isEqualTo("https://app.test");
        assertThatThrownBy(() -> TargetServer.of("ftp://localhost/", null, false, "-Dx"))
                .hasMessage("Not an http(s) URL: ftp://localhost/");
        assertThatThrownBy(() -> TargetServer.of("localhost:8080", null, false, "-Dx"))
                .hasMessage("Not an http(s) URL: localhost:8080");
    }
}
