package io.github.webauthnkit.server.tools;

import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import io.github.webauthnkit.server.testing.TargetServer;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Gets real access tokens from a running server for trying the integration examples: registers a new account with a
 * software passkey (it lives only in this process), signs in with it and prints each access token on its own line of
 * standard output (progress goes to standard error, so {@code TOKEN=$(./mvnw -q -Pdev-token)} works).
 *
 * <pre>
 * ./mvnw -q -Pdev-token -Ddev.url=http://localhost:8080 -Ddev.username=alice -Ddev.count=1
 * </pre>
 *
 * It creates an account on the server, so it refuses a server that is not on this machine unless
 * {@code -Ddev.allowRemote=true} is given.
 */
public final class DevToken {
    private DevToken() {
    }

    public static void main(String[] args) {
        try {
            TargetServer target = TargetServer.of(option("dev.url", "http://localhost:8080"), option("dev.origin", null),
                    Boolean.parseBoolean(option("dev.allowRemote", "false")), "-Ddev.allowRemote");
            byte[] suffix = new byte[4];
            new SecureRandom().nextBytes(suffix);
            String username = option("dev.username", "dev-" + HexFormat.of().formatHex(suffix));
            int count = Integer.parseInt(option("dev.count", "1"));
            if (count < 1 || count > 100) {
                throw new IllegalArgumentException("dev.count: from 1 to 100, not " + count);
            }
            PasskeyClient client = new PasskeyClient(target.url(), new SoftwareAuthenticator(target.origin(),
                    SoftwareAuthenticator.Algorithm.valueOf(option("dev.algorithm", "ES256"))));
            System.err.println("Registering '" + username + "' with a software passkey at " + target.url());
            client.register(username);
            for (int i = 0; i < count; i++) {
                System.out.println(client.signIn(username));
            }
            System.out.flush();
            System.exit(0);
        } catch (IllegalArgumentException | AssertionError | IllegalStateException e) {
            // AssertionError: the server answered with another status than the ceremony expects (a taken username).
            System.err.println("dev-token: " + e.getMessage());
            System.exit(1);
        } catch (java.io.UncheckedIOException e) {
            System.err.println("dev-token: cannot reach the server: " + e.getCause().getMessage());
            System.exit(1);
        }
    }

    private static String option(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
