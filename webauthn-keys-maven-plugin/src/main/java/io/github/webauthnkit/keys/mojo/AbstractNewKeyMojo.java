package io.github.webauthnkit.keys.mojo;

import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.RotationPolicy;
import org.apache.maven.plugins.annotations.Parameter;

/** Parameters of the goals that create keys: {@code rotate} and {@code generate-secrets}. */
abstract class AbstractNewKeyMojo extends AbstractKeysMojo {

    /** Algorithm of new keys: RS256, RS384, RS512, PS256, ES256, ES384 or EdDSA. HMAC algorithms are refused. */
    @Parameter(property = "webauthn.keys.algorithm", defaultValue = "RS256")
    protected String algorithm;

    /** Modulus size of new RSA keys, at least 2048. */
    @Parameter(property = "webauthn.keys.rsaBits", defaultValue = "2048")
    protected int rsaBits;

    /**
     * How long a new key is published in the JWKS before it starts signing, so that verifiers' caches learn it
     * first. ISO-8601 ({@code PT1H}) or short form ({@code 30s}, {@code 15m}, {@code 1h}, {@code 180d}).
     */
    @Parameter(property = "webauthn.keys.publishAhead", defaultValue = "1h")
    protected String publishAhead;

    /** The longest lifetime of a token the server issues; a superseded key stays published this long after its successor starts. */
    @Parameter(property = "webauthn.keys.tokenTtl", defaultValue = "15m")
    protected String tokenTtl;

    /** Allowance for clocks that disagree, added to every superseded key's {@code exp}. */
    @Parameter(property = "webauthn.keys.clockSkew", defaultValue = "60s")
    protected String clockSkew;

    protected RotationPolicy policy() throws KeyRingException {
        return policy(algorithm, rsaBits, publishAhead, tokenTtl, clockSkew);
    }
}
