package io.github.webauthnkit.server.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The published keys of the ring that can verify a token: those with its kid and of its algorithm's key type and
 * curve, Ed25519 ones included. The JOSE library's own selector turns each key into a JCA key and drops an Ed25519 one,
 * which has none, and its verifier factory has no Ed25519 verifier: with it, no EdDSA token verified.
 */
final class RingKeys implements JWSKeySelector<SecurityContext> {
    /** Verifiers for the keys selected here: the library's, and Ed25519's for the JWK an {@link Ed25519Key} holds. */
    static final JWSVerifierFactory VERIFIERS = new JWSVerifierFactory() {
        private final DefaultJWSVerifierFactory library = new DefaultJWSVerifierFactory();
        private final Set<JWSAlgorithm> supported = union(library.supportedJWSAlgorithms(),
                Ed25519Verifier.SUPPORTED_ALGORITHMS);

        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
            return key instanceof Ed25519Key ed25519 ? new Ed25519Verifier(ed25519.jwk())
                    : library.createJWSVerifier(header, key);
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return supported;
        }

        @Override
        public JCAContext getJCAContext() {
            return library.getJCAContext();
        }
    };

    private final JWKSet keys;

    private static Set<JWSAlgorithm> union(Set<JWSAlgorithm> first, Set<JWSAlgorithm> second) {
        Set<JWSAlgorithm> both = new HashSet<>(first);
        both.addAll(second);
        return Set.copyOf(both);
    }

    RingKeys(JWKSet keys) {
        this.keys = keys;
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context) {
        List<Key> selected = new ArrayList<>();
        for (JWK key : new JWKSelector(JWKMatcher.forJWSHeader(header)).select(keys)) {
            try {
                if (key instanceof OctetKeyPair ed25519) {
                    selected.add(new Ed25519Key(ed25519.toPublicJWK()));
                } else if (key instanceof RSAKey rsa) {
                    selected.add(rsa.toRSAPublicKey());
                } else if (key instanceof ECKey ec) {
                    selected.add(ec.toECPublicKey());
                }
            } catch (JOSEException e) {
                // A key whose parameters do not make a public key verifies nothing; the others may.
            }
        }
        return selected;
    }

    /** An Ed25519 public key as the processor hands keys to {@link #VERIFIERS}: the JWK itself. */
    record Ed25519Key(OctetKeyPair jwk) implements PublicKey {
        @Override
        public String getAlgorithm() {
            return "EdDSA";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }
}
