package io.github.webauthnkit.it.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.FrozenJwks;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * scripts/export-public-key.sh and scripts/rotate-keys.sh say which files they wrote, where, and with which key ids:
 * in a project whose PEM has a path of its own, and in one that keeps only the JWKS (exportPublicKey=false), from the
 * ring and from a server's JWKS.
 */
class ExportPublicKeyScriptIT {
    private static final Duration LIMIT = Duration.ofMinutes(3);
    private static final Pattern NEW_KEY = Pattern.compile("New key: (\\S+)");

    @Test
    void namesTheProjectsOwnPemPathAndTheKeyIds() throws Exception {
        GeneratedProject project = GeneratedProject.generate("export-script", Map.of("generateExamples", "none",
                "publicKeyPath", "keys/auth-public.pem", "serverUrl", "http://localhost:9090/", "publishAhead", "2h"));
        String kid = onlyKid(project);

        Command.Result unchanged = export(project);
        assertThat(unchanged.output()).contains("""
                Exported from the key ring docker/secrets/jwt_signing_keys.json:
                  Unchanged: public key keys/auth-public.pem (%s)
                  Unchanged: JWKS config/webauthn-jwks.json (%s)
                """.formatted(kid, kid));

        Files.delete(project.file("keys/auth-public.pem"));
        assertThat(export(project).output()).contains("  Wrote public key keys/auth-public.pem (" + kid + ")");
        assertThat(project.file("keys/auth-public.pem")).isNotEmptyFile();
        assertThat(project.file("config/webauthn-public-key.pem")).doesNotExist();

        Command.Result rotated = rotate(project);
        String added = newKey(rotated);
        assertThat(rotated.output()).contains("""
                Public exports (file, key ids):
                  Unchanged: public key keys/auth-public.pem (%s)
                  Wrote JWKS config/webauthn-jwks.json (%s, %s)
                New key: %s
                """.formatted(kid, kid, added, added))
                .contains("services that pin keys/auth-public.pem must get the new file after the switch.")
                .doesNotContain("webauthn-public-key.pem");
    }

    @Test
    void saysThatNoPemIsWrittenWhenTheProjectKeepsOnlyTheJwks() throws Exception {
        GeneratedProject project = GeneratedProject.generate("export-script-jwks-only", Map.of(
                "generateExamples", "none", "exportPublicKey", "false", "publicKeyPath", "keys/auth-public.pem"));
        String kid = onlyKid(project);

        assertThat(export(project).output()).contains("""
                Exported from the key ring docker/secrets/jwt_signing_keys.json:
                  export-key did nothing: webauthn.keys.exportPublicKey is false.
                  Unchanged: JWKS config/webauthn-jwks.json (%s)
                """.formatted(kid));

        byte[] beforeRotation = Files.readAllBytes(project.file("config/webauthn-jwks.json"));
        assertThat(rotate(project).output()).contains("no PEM is exported (webauthn.keys.exportPublicKey is false in"
                + " pom.xml), so no pinned copy needs replacing.");

        // A server that serves the JWKS as it was before the rotation: the file is written back to that, still no PEM.
        try (FrozenJwks server = new FrozenJwks(beforeRotation)) {
            String url = server.baseUrl() + "/.well-known/jwks.json";
            assertThat(export(project, "--url", url).output()).contains("""
                    Exported from %s:
                      export-key wrote no PEM: webauthn.keys.exportPublicKey is false.
                      Wrote JWKS config/webauthn-jwks.json (%s) from %s
                    """.formatted(url, kid, url));
        }
        assertThat(project.file("config/webauthn-jwks.json")).hasBinaryContent(beforeRotation);
        assertThat(project.file("keys/auth-public.pem")).doesNotExist();
        assertThat(project.file("config/webauthn-public-key.pem")).doesNotExist();
    }

    private static Command.Result export(GeneratedProject project, String... args) {
        return project.script(LIMIT, "scripts/export-public-key.sh", args).assertSuccess("export-public-key.sh");
    }

    private static Command.Result rotate(GeneratedProject project) {
        return project.script(LIMIT, "scripts/rotate-keys.sh", "--no-confirm").assertSuccess("rotate-keys.sh");
    }

    private static String onlyKid(GeneratedProject project) throws Exception {
        Matcher m = Pattern.compile("\"kid\"\\s*:\\s*\"([^\"]+)\"").matcher(
                Files.readString(project.file("config/webauthn-jwks.json")));
        assertThat(m.find()).isTrue();
        String kid = m.group(1);
        assertThat(m.find()).as("the new project's JWKS holds one key").isFalse();
        return kid;
    }

    private static String newKey(Command.Result result) {
        Matcher m = NEW_KEY.matcher(result.output());
        assertThat(m.find()).as(result.output()).isTrue();
        return m.group(1);
    }
}
