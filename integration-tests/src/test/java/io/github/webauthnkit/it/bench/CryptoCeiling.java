package io.github.webauthnkit.it.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.github.webauthnkit.it.support.Command;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The crypto work of one authentication ceremony, timed with one provider in one JVM: the client's ES256 assertion
 * signature, the server's ES256 verification, and the server's token signature (RS256 or ES256). The machine's
 * ceiling is cores / (assertion signature + verification + token signature): the most ceremonies per second this
 * machine could complete, with the load tool's authenticators on the same cores and the same provider, if client and
 * server did nothing but their cryptography.
 *
 * <p>Each JVM of the benchmark measures in a process of its own ({@link #measure(String)}); run alone:
 * {@code java -cp <integration-tests test class path> io.github.webauthnkit.it.bench.CryptoCeiling}.
 */
final class CryptoCeiling {
    /** What the JDK's own providers are called in the benchmark's rows. */
    static final String JDK = "JDK";
    static final String NATIVE = "ACCP";
    private static final Pattern LINE = Pattern.compile("(?m)^timings (\\S+) \\[(.*)\\] ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+)$");

    /** Mean nanoseconds per operation with {@code provider} (its version in {@code detail}). */
    record Timings(String provider, String detail, double assertionSignNs, double assertionVerifyNs,
                   double tokenSignRs256Ns, double tokenSignEs256Ns) {
        double ceilingPerSecond(int cores, boolean rs256) {
            return cores * 1e9 / (assertionSignNs + assertionVerifyNs + (rs256 ? tokenSignRs256Ns : tokenSignEs256Ns));
        }
    }

    private CryptoCeiling() {
    }

    /** The timings with the JDK's providers and with ACCP (where it loads), measured by {@code java} in a new process. */
    static Map<String, Timings> measure(String java) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Command.Result result = Command.run(Path.of("."), Duration.ofMinutes(5), Map.of(),
                List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, CryptoCeiling.class.getName())).assertSuccess("crypto timings on " + java);
        Map<String, Timings> timings = new LinkedHashMap<>();
        Matcher line = LINE.matcher(result.output());
        while (line.find()) {
            timings.put(line.group(1), new Timings(line.group(1), line.group(2), Double.parseDouble(line.group(3)),
                    Double.parseDouble(line.group(4)), Double.parseDouble(line.group(5)),
                    Double.parseDouble(line.group(6))));
        }
        if (!timings.containsKey(JDK) || !timings.containsKey(NATIVE)) {
            throw new AssertionError("crypto timings of both providers expected from " + java + ":\n" + result.output());
        }
        return timings;
    }

    /** Prints one {@code timings} line per provider: the JDK's, then ACCP's. */
    public static void main(String[] args) throws Exception {
        print(JDK, "JDK " + System.getProperty("java.version") + ": "
                + Signature.getInstance("SHA256withECDSA").getProvider().getName() + ", "
                + Signature.getInstance("SHA256withRSA").getProvider().getName(), null);
        AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
        if (accp.getLoadingError() != null) {
            throw new IllegalStateException("ACCP does not load here", accp.getLoadingError());
        }
        accp.assertHealthy();
        print(NATIVE, accp.getName() + " " + accp.getVersionStr() + " (" + accp.getAwsLcVersionStr() + ")", accp);
    }

    private static void print(String name, String detail, Provider provider) throws Exception {
        Timings t = timings(name, detail, provider);
        System.out.printf(Locale.ROOT, "timings %s [%s] %.0f %.0f %.0f %.0f%n", name, detail, t.assertionSignNs(),
                t.assertionVerifyNs(), t.tokenSignRs256Ns(), t.tokenSignEs256Ns());
    }

    /** @param provider null for the JDK's */
    private static Timings timings(String name, String detail, Provider provider) throws Exception {
        // The keys come from the provider under test, as in the server and the load tool (which parse or make their
        // keys once the provider is installed): ACCP handed a JDK key object converts it on every signature, which
        // doubled its RS256 signature time here.
        KeyPairGenerator ec = provider == null ? KeyPairGenerator.getInstance("EC")
                : KeyPairGenerator.getInstance("EC", provider);
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair authenticator = ec.generateKeyPair();
        KeyPair tokenEc = ec.generateKeyPair();
        KeyPairGenerator rsa = provider == null ? KeyPairGenerator.getInstance("RSA")
                : KeyPairGenerator.getInstance("RSA", provider);
        rsa.initialize(2048);
        KeyPair tokenRsa = rsa.generateKeyPair();
        // An assertion signs authenticatorData (37 bytes) || SHA-256(clientDataJSON).
        byte[] signed = new byte[37 + 32];
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest("{\"type\":\"webauthn.get\"}".getBytes(
                StandardCharsets.UTF_8)), 0, signed, 37, 32);
        byte[] signature = sign(signature("SHA256withECDSA", provider), authenticator, signed);
        byte[] claims = ("{\"iss\":\"webauthn-server\",\"sub\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"aud\":"
                + "\"api\",\"iat\":1795550000,\"exp\":1795550900,\"jti\":\"0b2c7f9e-0000-0000-0000-000000000000\"}")
                .getBytes(StandardCharsets.UTF_8);
        // Two rounds, the faster of each: the JIT keeps improving the JDK's elliptic-curve code after the first
        // warm-up, and the ceiling should be this machine's best, not a first measurement's.
        double assertionSign = Double.MAX_VALUE;
        double assertionVerify = Double.MAX_VALUE;
        double tokenRs256 = Double.MAX_VALUE;
        double tokenEs256 = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            assertionSign = Math.min(assertionSign, time(() -> sign(signature("SHA256withECDSA", provider),
                    authenticator, signed)));
            assertionVerify = Math.min(assertionVerify, time(() -> verify(signature("SHA256withECDSA", provider),
                    authenticator, signed, signature)));
            tokenRs256 = Math.min(tokenRs256, time(() -> sign(signature("SHA256withRSA", provider), tokenRsa, claims)));
            tokenEs256 = Math.min(tokenEs256, time(() -> sign(signature("SHA256withECDSA", provider), tokenEc, claims)));
        }
        return new Timings(name, detail, assertionSign, assertionVerify, tokenRs256, tokenEs256);
    }

    private static Signature signature(String algorithm, Provider provider) throws Exception {
        return provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
    }

    @FunctionalInterface
    private interface Operation {
        Object run() throws Exception;
    }

    /** Warms up for 1.5 s, then measures the mean over 2 s. */
    private static double time(Operation operation) throws Exception {
        long end = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < end) {
            operation.run();
        }
        long count = 0;
        long start = System.nanoTime();
        end = start + 2_000_000_000L;
        long now;
        do {
            operation.run();
            count++;
            now = System.nanoTime();
        } while (now < end);
        return (now - start) / (double) count;
    }

    private static byte[] sign(Signature signature, KeyPair keys, byte[] data) throws Exception {
        signature.initSign(keys.getPrivate());
        signature.update(data);
        return signature.sign();
    }

    private static boolean verify(Signature signature, KeyPair keys, byte[] data, byte[] sig) throws Exception {
        signature.initVerify(keys.getPublic());
        signature.update(data);
        if (!signature.verify(sig)) {
            throw new IllegalStateException("verification failed");
        }
        return true;
    }
}
