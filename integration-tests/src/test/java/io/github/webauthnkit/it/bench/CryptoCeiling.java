package io.github.webauthnkit.it.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The crypto work of one authentication ceremony, timed in-process with the JDK providers the server and the load
 * tool use: the client's ES256 assertion signature, the server's ES256 verification, and the server's token
 * signature (RS256 or ES256). The machine's ceiling is cores / (assertion signature + verification + token signature):
 * the most ceremonies per second this machine could complete, with the load tool's authenticators on the same cores,
 * if client and server did nothing but their cryptography.
 */
final class CryptoCeiling {
    /** One thread's ES256 verifications and RS256 signatures per second with one provider. */
    record Throughput(String provider, double es256VerifyPerSecond, double rs256SignPerSecond) {
    }

    /** Mean nanoseconds per operation. */
    record Timings(double assertionSignNs, double assertionVerifyNs, double tokenSignRs256Ns, double tokenSignEs256Ns) {
        double ceilingPerSecond(int cores, boolean rs256) {
            return cores * 1e9 / (assertionSignNs + assertionVerifyNs + (rs256 ? tokenSignRs256Ns : tokenSignEs256Ns));
        }
    }

    private CryptoCeiling() {
    }

    static Timings measure() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair authenticator = ec.generateKeyPair();
        KeyPair tokenEc = ec.generateKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair tokenRsa = rsa.generateKeyPair();
        // An assertion signs authenticatorData (37 bytes) || SHA-256(clientDataJSON).
        byte[] signed = new byte[37 + 32];
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest("{\"type\":\"webauthn.get\"}".getBytes(
                StandardCharsets.UTF_8)), 0, signed, 37, 32);
        byte[] signature = sign("SHA256withECDSA", authenticator, signed);
        byte[] claims = ("{\"iss\":\"webauthn-server\",\"sub\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"aud\":"
                + "\"api\",\"iat\":1795550000,\"exp\":1795550900,\"jti\":\"0b2c7f9e-0000-0000-0000-000000000000\"}")
                .getBytes(StandardCharsets.UTF_8);
        // Two rounds, the faster of each: the JIT keeps improving the elliptic-curve code after the first warm-up,
        // and the ceiling should be this machine's best, not a first measurement's.
        double assertionSign = Double.MAX_VALUE;
        double assertionVerify = Double.MAX_VALUE;
        double tokenRs256 = Double.MAX_VALUE;
        double tokenEs256 = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            assertionSign = Math.min(assertionSign, time(() -> sign("SHA256withECDSA", authenticator, signed)));
            assertionVerify = Math.min(assertionVerify, time(() -> verify(authenticator, signed, signature)));
            tokenRs256 = Math.min(tokenRs256, time(() -> sign("SHA256withRSA", tokenRsa, claims)));
            tokenEs256 = Math.min(tokenEs256, time(() -> sign("SHA256withECDSA", tokenEc, claims)));
        }
        return new Timings(assertionSign, assertionVerify, tokenRs256, tokenEs256);
    }

    /**
     * The server's two hot operations with the JDK's providers and with the Amazon Corretto Crypto Provider the server
     * installs where its native library loads; run alone: {@code java -cp <integration-tests test class path>
     * io.github.webauthnkit.it.bench.CryptoCeiling}.
     */
    static List<Throughput> providers() throws Exception {
        List<Throughput> result = new ArrayList<>(List.of(throughput(null)));
        AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
        if (accp.getLoadingError() == null) {
            accp.assertHealthy();
            result.add(throughput(accp));
        }
        return result;
    }

    public static void main(String[] args) throws Exception {
        for (Throughput t : providers()) {
            System.out.printf("%-30s ES256 verify %8.0f/s   RS256 sign %8.0f/s%n", t.provider(), t.es256VerifyPerSecond(),
                    t.rs256SignPerSecond());
        }
    }

    /** @param provider null for the JDK's */
    private static Throughput throughput(AmazonCorrettoCryptoProvider provider) throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair authenticator = ec.generateKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair token = rsa.generateKeyPair();
        byte[] data = new byte[69];
        byte[] assertion = sign("SHA256withECDSA", authenticator, data);
        double verify = time(() -> verify(signature("SHA256withECDSA", provider), authenticator, data, assertion));
        double sign = time(() -> sign(signature("SHA256withRSA", provider), token, data));
        String name = provider == null ? "JDK (" + Signature.getInstance("SHA256withECDSA").getProvider().getName()
                + ", " + Signature.getInstance("SHA256withRSA").getProvider().getName() + ")"
                : provider.getName() + " " + provider.getVersionStr();
        return new Throughput(name, 1e9 / verify, 1e9 / sign);
    }

    private static Signature signature(String algorithm, Provider provider) throws Exception {
        return provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
    }

    @FunctionalInterface
    private interface Operation {
        Object run() throws Exception;
    }

    /** Warms up for 2 s, then measures the mean over 3 s. */
    private static double time(Operation operation) throws Exception {
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) {
            operation.run();
        }
        long count = 0;
        long start = System.nanoTime();
        end = start + 3_000_000_000L;
        long now;
        do {
            operation.run();
            count++;
            now = System.nanoTime();
        } while (now < end);
        return (now - start) / (double) count;
    }

    private static byte[] sign(String algorithm, KeyPair keys, byte[] data) throws Exception {
        return sign(Signature.getInstance(algorithm), keys, data);
    }

    private static byte[] sign(Signature signature, KeyPair keys, byte[] data) throws Exception {
        signature.initSign(keys.getPrivate());
        signature.update(data);
        return signature.sign();
    }

    private static boolean verify(KeyPair keys, byte[] data, byte[] sig) throws Exception {
        return verify(Signature.getInstance("SHA256withECDSA"), keys, data, sig);
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
