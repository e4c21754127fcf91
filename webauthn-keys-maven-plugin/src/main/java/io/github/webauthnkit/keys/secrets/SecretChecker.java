package io.github.webauthnkit.keys.secrets;

import io.github.webauthnkit.keys.core.Durations;
import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.PublicKeys;
import io.github.webauthnkit.keys.core.RemoteJwks;
import io.github.webauthnkit.keys.core.SecureFiles;
import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Finds everything wrong with a project's secrets at once, so one build run shows the whole list. Each finding
 * names the file and the command or change that fixes it.
 */
public final class SecretChecker {
    /**
     * Environment variable names that carry a secret when they hold a value rather than a file path: a segment such
     * as {@code PASSWORD} or {@code SECRET} anywhere, or {@code TOKEN} at the end ({@code WEBAUTHN_TOKEN_TTL} is a
     * duration, {@code GITHUB_TOKEN} a secret).
     */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i)(?:^|.*_)(?:PASSWORD|PASSWD|PASSPHRASE|SECRET"
            + "|CREDENTIALS?|PRIVATE_KEY|API_KEY|ACCESS_KEY|SECRET_KEY)(?:_.*)?|(?:^|.*_)TOKEN");
    private static final long MAX_SCANNED_BYTES = 1024 * 1024;
    private static final String GENERATE = "run 'mvn webauthn-keys:generate-secrets'";
    /** How long a signing key may sign when nothing else is said: a generated project's default keyRotationInterval. */
    public static final Duration DEFAULT_ROTATION_INTERVAL = Duration.ofDays(180);

    private final SecretLayout layout;
    private final Instant now;
    private final Duration rotationInterval;
    private final List<String> findings = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private final Set<String> secretValues = new HashSet<>();

    private SecretChecker(SecretLayout layout, Instant now, Duration rotationInterval) {
        this.layout = layout;
        this.now = now;
        this.rotationInterval = rotationInterval;
    }

    /**
     * What a check found.
     *
     * @param findings problems that fail the build, in a stable order; empty when the project's secrets are in order
     * @param notices  public exports that are merely behind the ring's schedule: the PEM holds a key of the ring
     *                 that signed before the current one, or the JWKS file still lists keys of the ring that have
     *                 expired since. A rotation's next key starts signing without any build, so these follow from
     *                 time alone; the export goals at generate-resources refresh them in the same build
     */
    public record Report(List<String> findings, List<String> notices) {
    }

    /** @return every finding, in a stable order; empty when the project's secrets are in order */
    public static List<String> check(SecretLayout layout, Instant now) {
        return inspect(layout, now).findings();
    }

    public static Report inspect(SecretLayout layout, Instant now) {
        return inspect(layout, now, DEFAULT_ROTATION_INTERVAL);
    }

    /**
     * @param rotationInterval how long a signing key may sign: an older one, with no successor staged, is a finding
     */
    public static Report inspect(SecretLayout layout, Instant now, Duration rotationInterval) {
        SecretChecker checker = new SecretChecker(layout, now, rotationInterval);
        checker.run();
        return new Report(List.copyOf(checker.findings), List.copyOf(checker.notices));
    }

    private void run() {
        GitIgnores git = new GitIgnores(layout.projectDir());
        List<Path> secrets = new ArrayList<>(layout.passwordPaths());
        secrets.add(layout.ringFile());
        for (Path password : layout.passwordPaths()) {
            checkPassword(password);
        }
        KeyRing ring = checkRing();
        for (Path secret : secrets) {
            if (Files.exists(secret)) {
                checkPermissions(secret);
                checkGit(git, secret);
            }
        }
        checkConfigDir();
        if (ring != null) {
            checkExports(ring);
        }
        checkComposeFiles();
    }

    private void checkPassword(Path file) {
        String shown = layout.show(file);
        if (!Files.isRegularFile(file)) {
            findings.add(shown + ": missing; " + GENERATE + " to create it.");
            return;
        }
        String value;
        try {
            value = Passwords.value(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            findings.add(shown + ": cannot be read (" + e.getMessage() + ").");
            return;
        }
        if (value.isBlank()) {
            findings.add(shown + ": empty. Delete it and " + GENERATE + ".");
            return;
        }
        if (value.length() >= 8) {
            secretValues.add(value);
        }
        String weakness = Passwords.weakness(value);
        if (weakness != null) {
            findings.add(shown + ": weak password: it " + weakness + ". Delete the file and " + GENERATE
                    + " to create a strong one, then update the services that use it.");
        }
    }

    private KeyRing checkRing() {
        Path file = layout.ringFile();
        String shown = layout.show(file);
        if (!Files.isRegularFile(file)) {
            findings.add(shown + ": missing key ring; " + GENERATE + " to create the first key.");
            return null;
        }
        KeyRing ring;
        try {
            ring = new KeyRingFile(file).read();
        } catch (KeyRingException e) {
            findings.add(shown + ": " + e.getMessage());
            return null;
        }
        if (ring.isEmpty()) {
            findings.add(shown + ": the key ring holds no key. Run 'mvn webauthn-keys:rotate' to create the first one.");
            return null;
        }
        for (JWK key : ring.keys()) {
            for (String weakness : KeyAlgorithm.weaknesses(key)) {
                findings.add(shown + ": " + weakness + ". Run 'mvn webauthn-keys:rotate -Dwebauthn.keys.revoke="
                        + key.getKeyID() + "' to replace it.");
            }
        }
        Optional<JWK> signing = ring.signingKey(now);
        if (signing.isEmpty()) {
            findings.add(shown + ": no key may sign now (every key is expired or starts later). Run"
                    + " 'mvn webauthn-keys:rotate'.");
            return null;
        }
        checkRotationDue(shown, ring, signing.get());
        return ring;
    }

    /**
     * The signing key was created (its {@code iat}, else its {@code nbf}) longer than the rotation interval ago, and
     * no successor is staged: a rotation's next key, published ahead of its {@code nbf}, withdraws the finding, so the
     * builds between a rotation and the switch do not ask for another one.
     */
    private void checkRotationDue(String shown, KeyRing ring, JWK signing) {
        Instant created = (signing.getIssueTime() != null ? signing.getIssueTime() : signing.getNotBeforeTime())
                .toInstant();
        boolean staged = ring.keys().stream().anyMatch(k -> k.getNotBeforeTime().toInstant().isAfter(now));
        if (!staged && now.isAfter(created.plus(rotationInterval))) {
            findings.add(shown + ": the signing key " + signing.getKeyID() + " was created "
                    + created.truncatedTo(ChronoUnit.SECONDS) + ", more than webauthn.keys.rotationInterval ("
                    + Durations.format(rotationInterval) + ") ago. Run 'mvn webauthn-keys:rotate' to stage the next"
                    + " key.");
        }
    }

    private void checkPermissions(Path file) {
        if (!SecureFiles.isPosix(file)) {
            return;
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> open = new HashSet<>(permissions);
            open.retainAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
            if (!open.isEmpty()) {
                findings.add(layout.show(file) + ": accessible by group or others (" + PosixFilePermissions
                        .toString(permissions) + "). Run 'chmod 600 " + layout.show(file) + "'.");
            }
        } catch (IOException e) {
            findings.add(layout.show(file) + ": cannot read its permissions (" + e.getMessage() + ").");
        }
    }

    private void checkGit(GitIgnores git, Path file) {
        String shown = layout.show(file);
        if (git.isTracked(file)) {
            findings.add(shown + ": tracked by git, so the secret is in the repository history. Run 'git rm --cached "
                    + shown + "', then replace the secret (it must be treated as leaked).");
        } else if (!git.isIgnored(file)) {
            findings.add(shown + ": not covered by a .gitignore, so 'git add' would commit it. Add it to "
                    + layout.show(file.getParent().resolve(".gitignore")) + ".");
        }
    }

    private void checkConfigDir() {
        Path config = layout.configDir();
        if (!Files.isDirectory(config)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(config, 8)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            findings.add(layout.show(config) + ": cannot be listed (" + e.getMessage() + ").");
            return;
        }
        for (Path file : files) {
            String text;
            try {
                if (Files.size(file) > MAX_SCANNED_BYTES) {
                    continue;
                }
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                continue;
            }
            if (text.contains("PRIVATE KEY-----")) {
                findings.add(layout.show(file) + ": holds a PEM private key. Public material only belongs under "
                        + layout.show(config) + "; remove it and treat the key as leaked.");
            }
            Set<String> members = privateJwkMembers(text);
            if (!members.isEmpty()) {
                findings.add(layout.show(file) + ": holds private JWK members " + members + ". Remove them (run"
                        + " 'mvn webauthn-keys:generate-jwks' for a public JWKS) and treat the key as leaked.");
            }
        }
    }

    /** Private members of any JSON object in the text that looks like a JWK (has {@code kty}). */
    private static Set<String> privateJwkMembers(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
            return Set.of();
        }
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(trimmed);
        } catch (RuntimeException e) {
            return Set.of();
        }
        Set<String> found = new TreeSet<>();
        collectPrivate(root, found);
        return found;
    }

    private static void collectPrivate(Object node, Set<String> found) {
        if (node instanceof Map<?, ?> map) {
            if (map.containsKey("kty")) {
                map.keySet().stream().map(String::valueOf).filter(KeyRing.PRIVATE_MEMBERS::contains)
                        .forEach(found::add);
            }
            map.values().forEach(v -> collectPrivate(v, found));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collectPrivate(v, found));
        }
    }

    private void checkExports(KeyRing ring) {
        String fix = " Run 'mvn generate-resources' (webauthn-keys:export-key and generate-jwks) to refresh it.";
        Path pem = layout.publicKeyFile();
        if (pem != null && Files.isRegularFile(pem)) {
            try {
                byte[] exported = PublicKeys.readPem(Files.readString(pem, StandardCharsets.US_ASCII));
                JWK signing = ring.signingKey(now).orElseThrow();
                if (exported == null) {
                    findings.add(layout.show(pem) + ": holds no PUBLIC KEY PEM block." + fix);
                } else if (!Arrays.equals(exported, PublicKeys.spki(signing))) {
                    Optional<JWK> superseded = supersededKey(ring, exported);
                    if (superseded.isPresent()) {
                        notices.add(layout.show(pem) + ": holds " + superseded.get().getKeyID() + ", which no longer"
                                + " signs: " + signing.getKeyID() + " signs now. export-key refreshes it at"
                                + " generate-resources.");
                    } else {
                        findings.add(layout.show(pem) + ": does not match the ring's signing key "
                                + signing.getKeyID() + "." + fix);
                    }
                }
            } catch (IOException | KeyRingException e) {
                findings.add(layout.show(pem) + ": cannot be compared with the ring (" + e.getMessage() + ").");
            }
        }
        Path jwks = layout.jwksFile();
        if (jwks != null && Files.isRegularFile(jwks)) {
            try {
                String exported = Files.readString(jwks, StandardCharsets.UTF_8);
                List<JWK> keys = RemoteJwks.validate(exported, layout.show(jwks));
                if (Objects.equals(KeyRing.jwksJson(keys), ring.publicJwks(now))) {
                    return;
                }
                if (onlyExpiredKeysBeyond(ring, keys)) {
                    Set<String> published = new HashSet<>();
                    ring.verificationKeys(now).forEach(k -> published.add(k.getKeyID()));
                    notices.add(layout.show(jwks) + ": still lists keys that have expired ("
                            + keys.stream().map(JWK::getKeyID).filter(kid -> !published.contains(kid)).toList()
                            + "). generate-jwks refreshes it at generate-resources.");
                } else {
                    findings.add(layout.show(jwks) + ": does not match the ring (it holds "
                            + keys.stream().map(JWK::getKeyID).toList() + ", the ring publishes "
                            + ring.verificationKeys(now).stream().map(JWK::getKeyID).toList() + ")." + fix);
                }
            } catch (IOException | KeyRingException e) {
                findings.add(layout.show(jwks) + ": " + e.getMessage() + fix);
            }
        }
    }

    /** A key of the ring that signed before the current signing key took over (it may have expired since). */
    private Optional<JWK> supersededKey(KeyRing ring, byte[] spki) throws KeyRingException {
        for (JWK key : ring.keys()) {
            if (key.getNotBeforeTime() != null && !key.getNotBeforeTime().toInstant().isAfter(now)
                    && Arrays.equals(spki, PublicKeys.spki(key))) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /** Whether the exported keys are the published ones plus keys of the ring that have expired since. */
    private boolean onlyExpiredKeysBeyond(KeyRing ring, List<JWK> exported) throws KeyRingException {
        for (JWK published : ring.verificationKeys(now)) {
            if (exported.stream().noneMatch(k -> k.getKeyID().equals(published.getKeyID()))) {
                return false;
            }
        }
        for (JWK key : exported) {
            Optional<JWK> own = ring.find(key.getKeyID());
            if (own.isEmpty() || !Arrays.equals(PublicKeys.spki(own.get()), PublicKeys.spki(key))) {
                return false;
            }
        }
        return true;
    }

    private void checkComposeFiles() {
        Path dir = layout.composeDir();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        List<Path> composeFiles;
        try (Stream<Path> walk = Files.walk(dir, 2)) {
            composeFiles = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.startsWith(layout.secretsDir()))
                    .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                    .sorted().toList();
        } catch (IOException e) {
            findings.add(layout.show(dir) + ": cannot be listed (" + e.getMessage() + ").");
            return;
        }
        for (Path file : composeFiles) {
            checkCompose(file);
        }
    }

    private void checkCompose(Path file) {
        Object root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(50);
            root = new Yaml(new SafeConstructor(options)).load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            findings.add(layout.show(file) + ": cannot be parsed as YAML (" + e.getMessage().lines().findFirst()
                    .orElse("") + ").");
            return;
        }
        if (!(root instanceof Map<?, ?> top) || !(top.get("services") instanceof Map<?, ?> services)) {
            return;
        }
        for (Map.Entry<?, ?> service : services.entrySet()) {
            if (!(service.getValue() instanceof Map<?, ?> definition)) {
                continue;
            }
            for (Map.Entry<String, String> variable : environment(definition.get("environment"))) {
                String name = variable.getKey();
                String value = variable.getValue();
                boolean secretName = SECRET_NAME.matcher(name).matches() && !name.toUpperCase().endsWith("_FILE");
                boolean secretValue = value != null && secretValues.stream().anyMatch(value::contains);
                if ((secretName && value != null && !value.isBlank()) || secretValue) {
                    findings.add(layout.show(file) + ": service '" + service.getKey() + "' passes " + name
                            + " as a plain environment value, visible to 'docker inspect' and every process in the"
                            + " container. Declare the secret under 'secrets:' and pass " + name
                            + "_FILE=/run/secrets/<name> instead.");
                }
            }
        }
    }

    /** Compose accepts {@code environment} as a map or as a list of {@code NAME=value}. */
    private static List<Map.Entry<String, String>> environment(Object node) {
        List<Map.Entry<String, String>> variables = new ArrayList<>();
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> variables.add(Map.entry(String.valueOf(k), v == null ? "" : String.valueOf(v))));
        } else if (node instanceof List<?> list) {
            for (Object item : list) {
                String entry = String.valueOf(item);
                int eq = entry.indexOf('=');
                variables.add(eq < 0 ? Map.entry(entry, "") : Map.entry(entry.substring(0, eq), entry.substring(eq + 1)));
            }
        }
        return variables;
    }
}
