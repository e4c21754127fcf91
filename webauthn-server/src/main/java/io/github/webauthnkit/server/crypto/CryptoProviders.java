package io.github.webauthnkit.server.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Security;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Which JCA provider does the server's signatures: the Amazon Corretto Crypto Provider (ACCP, AWS-LC) where its
 * native library loads and passes its self-tests (Linux x86_64, the image), otherwise the JDK's own providers.
 *
 * <p>The assertion check (ES256 verification, Yubico's library) and the token signature (RS256, nimbus) take most
 * of a ceremony's CPU; both go through the JCA, so the first provider in {@link Security} serves them. ACCP does them
 * many times faster than the JDK's Java code. It is a process-wide choice, made once at start-up.
 */
public final class CryptoProviders {
    private static final Logger LOG = LoggerFactory.getLogger(CryptoProviders.class);
    /** The platform of the provider's native library (the linux-x86_64 classifier). */
    private static final boolean NATIVE_HOST = "Linux".equals(System.getProperty("os.name"))
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));

    private CryptoProviders() {
    }

    /**
     * Puts ACCP first among the providers when {@code nativeCrypto} is on and it is healthy, or takes it out when
     * off; logs which serves.
     *
     * @return the name of the provider that serves signatures: ACCP's, or the JDK's (SunEC for ES256)
     */
    public static String install(boolean nativeCrypto) {
        String name = AmazonCorrettoCryptoProvider.PROVIDER_NAME;
        if (!nativeCrypto) {
            Security.removeProvider(name);
            return jdk(Level.INFO, "WEBAUTHN_NATIVE_CRYPTO=false");
        }
        String problem = problem();
        if (problem != null) {
            Security.removeProvider(name);
            // Where the native library is built for, a failure is worth an operator's look (a library missing from
            // java.library.path, a /tmp mounted noexec).
            return jdk(NATIVE_HOST ? Level.WARN : Level.INFO, "the native provider is not available here: " + problem);
        }
        if (Security.getProvider(name) == null) {
            AmazonCorrettoCryptoProvider.install();
        }
        AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
        LOG.atInfo().addKeyValue("event", "crypto_provider").addKeyValue("provider", name)
                .log("Signatures: " + name + " " + accp.getVersionStr() + " (" + accp.getAwsLcVersionStr()
                        + "), native; WEBAUTHN_NATIVE_CRYPTO=false switches it off");
        return name;
    }

    /** Why ACCP cannot serve: its library did not load, or its self-tests failed; null when it can. */
    private static String problem() {
        try {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable loading = accp.getLoadingError();
            if (loading != null) {
                // With useExternalLib the error only says it skipped the bundled copy; why the library was not found
                // (java.library.path) is a suppressed exception.
                StringBuilder why = new StringBuilder(loading.toString());
                for (Throwable suppressed : loading.getSuppressed()) {
                    why.append("; ").append(suppressed);
                }
                return why.toString();
            }
            accp.assertHealthy();
            return null;
        } catch (RuntimeException | LinkageError e) {
            // A self-test that failed, or a class path without the provider's classes.
            return e.toString();
        }
    }

    private static String jdk(Level level, String why) {
        String name = Security.getProviders("Signature.SHA256withECDSA")[0].getName();
        LOG.atLevel(level).addKeyValue("event", "crypto_provider").addKeyValue("provider", name)
                .log("Signatures: the JDK's providers (" + name + " for ES256), as " + why);
        return name;
    }
}
