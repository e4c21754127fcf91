package io.github.webauthnkit.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.ServerProcess;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TestServer;
import java.security.Signature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The server's signatures: the Amazon Corretto Crypto Provider where its library loads (this Linux x86_64 host), the
 * JDK's when an operator switches it off or it cannot load; sign-up and sign-in work either way.
 */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "x86_64"})
class CryptoProvidersTest {

    @AfterAll
    static void jdkProvidersForTheOtherTests() {
        CryptoProviders.install(false);
    }

    @Test
    void theNativeProviderServesAfterStartUp() throws Exception {
        try (TestServer server = TestServer.start("RS256", Map.of())) {
            assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName())
                    .isEqualTo("AmazonCorrettoCryptoProvider");
            assertThat(Signature.getInstance("SHA256withRSA").getProvider().getName())
                    .isEqualTo("AmazonCorrettoCryptoProvider");
            registerAndSignIn(server);
        }
    }

    @Test
    void anOperatorSwitchesItOff() throws Exception {
        try (TestServer server = TestServer.start("RS256", Map.of("WEBAUTHN_NATIVE_CRYPTO", "false"))) {
            assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo("SunEC");
            assertThat(Signature.getInstance("SHA256withRSA").getProvider().getName()).isEqualTo("SunRsaSign");
            registerAndSignIn(server);
        }
    }

    /** As where the library is not in the directory the server is told to load it from: the JDK's serve, and the log says why. */
    @Test
    void aProviderThatCannotLoadLeavesTheJdksServingAndSaysSo() {
        try (ServerProcess server = ServerProcess.start(ServerProcess.embedded("http://localhost:8443"), List.of("-Dcom.amazon.corretto.crypto.provider.useExternalLib=true"))) {
            assertThat(server.log()).contains("Signatures: the JDK's providers (SunEC for ES256), as the native"
                    + " provider is not available here").contains("no amazonCorrettoCryptoProvider in java.library.path");
        }
    }

    private static void registerAndSignIn(TestServer server) {
        PasskeyClient person = new PasskeyClient(server.baseUrl(),
                new SoftwareAuthenticator(server.origin(), SoftwareAuthenticator.Algorithm.ES256));
        person.register("crypto-person");
        assertThat(person.signIn("crypto-person")).isNotBlank();
    }
}
