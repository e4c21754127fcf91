import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import webauthn.example.ConfigException;
import webauthn.example.Refusal;
import webauthn.example.TokenVerifier;
import webauthn.example.VerificationKeys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies one passkey-server token and prints its claims.
 *
 * <pre>
 * java -cp target/webauthn-examples.jar JWTVerifier (--jwks &lt;file or URL&gt; | --public-key &lt;PEM file&gt;)
 *      --issuer &lt;iss&gt; --audience &lt;aud&gt; [--algorithms &lt;list&gt;] [--leeway &lt;seconds&gt;]
 *      &lt;token | -&gt;
 * </pre>
 *
 * Exit 0: verified, the claims as one JSON object on stdout. Exit 1: refused, {@code refused: <reason>: <detail>} on
 * stderr. Exit 2: bad usage. Options not given come from WEBAUTHN_JWKS_URL (else WEBAUTHN_JWKS_FILE, else
 * WEBAUTHN_PUBLIC_KEY_FILE), WEBAUTHN_ISSUER, WEBAUTHN_AUDIENCE and WEBAUTHN_ALGORITHMS.
 */
public final class JWTVerifier {
    private static final String USAGE = "usage: JWTVerifier (--jwks <file or URL> | --public-key <PEM file>)"
            + " --issuer <iss> --audience <aud> [--algorithms <list>] [--leeway <seconds>] <token | - for stdin>";
    private static final Set<String> OPTIONS =
            Set.of("--jwks", "--public-key", "--issuer", "--audience", "--algorithms", "--leeway");

    private JWTVerifier() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    private static int run(String[] args, Map<String, String> env) {
        TokenVerifier verifier;
        String token;
        try {
            Map<String, String> options = new HashMap<>();
            List<String> positional = parse(args, options);
            if (positional == null) {
                System.out.println(USAGE);
                return 0;
            }
            if (positional.size() != 1) {
                throw new ConfigException("expected one token, got " + positional.size() + " (--help shows the usage)");
            }
            token = positional.get(0).equals("-")
                    ? new String(System.in.readNBytes(1 << 20), StandardCharsets.US_ASCII).trim()
                    : positional.get(0).trim();
            verifier = build(options, env);
        } catch (ConfigException e) {
            System.err.println("jwt-verification: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println("jwt-verification: cannot read the token from standard input: " + e.getMessage());
            return 2;
        }
        try {
            JWTClaimsSet claims = verifier.verify(token);
            System.out.println(JSONObjectUtils.toJSONString(claims.toJSONObject()));
            return 0;
        } catch (Refusal r) {
            System.err.println("refused: " + r.reason() + ": " + r.detail());
            return 1;
        }
    }

    /** Returns the positional arguments, or null when help was asked for. */
    private static List<String> parse(String[] args, Map<String, String> options) throws ConfigException {
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return null;
            }
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg : arg.substring(0, eq);
                if (!OPTIONS.contains(name)) {
                    throw new ConfigException("unknown option " + name + " (--help shows the usage)");
                }
                if (eq < 0 && i + 1 >= args.length) {
                    throw new ConfigException(name + " needs a value (--help shows the usage)");
                }
                options.put(name, eq < 0 ? args[++i] : arg.substring(eq + 1));
            } else {
                positional.add(arg);
            }
        }
        return positional;
    }

    private static TokenVerifier build(Map<String, String> options, Map<String, String> env) throws ConfigException {
        if (options.containsKey("--jwks") && options.containsKey("--public-key")) {
            throw new ConfigException("give either --jwks or --public-key, not both");
        }
        Duration cooldown = VerificationKeys.cooldownFromEnvironment(env);
        VerificationKeys keys;
        if (options.containsKey("--jwks")) {
            keys = VerificationKeys.jwks(options.get("--jwks"), cooldown);
        } else if (options.containsKey("--public-key")) {
            keys = VerificationKeys.publicKeyPem(Path.of(options.get("--public-key")));
        } else {
            keys = VerificationKeys.fromEnvironment(env, cooldown);
        }
        String issuer = required(options, "--issuer", env, "WEBAUTHN_ISSUER");
        String audience = required(options, "--audience", env, "WEBAUTHN_AUDIENCE");
        String algorithms = options.getOrDefault("--algorithms",
                env.getOrDefault("WEBAUTHN_ALGORITHMS", TokenVerifier.DEFAULT_ALGORITHMS));
        if (algorithms.isBlank()) {
            algorithms = TokenVerifier.DEFAULT_ALGORITHMS;
        }
        Duration leeway = Duration.ofSeconds(options.containsKey("--leeway")
                ? VerificationKeys.nonNegative("--leeway", options.get("--leeway")) : 30);
        return new TokenVerifier(keys, TokenVerifier.parseAlgorithms(algorithms), issuer, audience, leeway,
                Clock.systemUTC());
    }

    private static String required(Map<String, String> options, String option, Map<String, String> env, String var)
            throws ConfigException {
        String value = options.containsKey(option) ? options.get(option) : env.get(var);
        if (value == null || value.isEmpty()) {
            throw new ConfigException("missing " + option + " (or " + var + ") (--help shows the usage)");
        }
        return value;
    }
}
