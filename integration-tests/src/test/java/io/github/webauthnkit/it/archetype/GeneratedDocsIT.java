package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.server.config.ConfigException;
import io.github.webauthnkit.server.config.ServerConfig;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The commands the generated docs tell a user to type exist: every script with the options used, every plugin goal
 * and property (as the project's own {@code webauthn-keys:help} lists them); every server setting they show with a
 * value is one the server accepts; and INTEGRATION.md's resource links are well-formed https URLs to the standards it
 * names.
 */
class GeneratedDocsIT {
    private static final List<String> DOCS = List.of("README.md", "INTEGRATION.md", "SECURITY_CHECKLIST.md");
    private static final Pattern SCRIPT = Pattern.compile("scripts/([a-z-]+\\.sh)((?: --?[a-z][a-z-]*(?: <[^>]+>)?)*)");
    private static final Pattern OPTION = Pattern.compile("--?[a-z][a-z-]*");
    private static final Pattern GOAL = Pattern.compile("webauthn-keys:([a-z-]+)");
    private static final Pattern PROPERTY = Pattern.compile("-D(webauthn\\.(?:keys|secrets)\\.[A-Za-z]+)");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)]+)\\)");
    /** A setting with a value, as in {@code WEBAUTHN_RP_ID=localhost java -jar ...}; placeholders are left out. */
    private static final Pattern SETTING = Pattern.compile("\\b(WEBAUTHN_[A-Z0-9_]+)=([^\\s`'\"$<>]+)(?=[\\s`'\"]|$)");

    @Test
    void everyScriptGoalAndPropertyTheDocsNameExists() throws Exception {
        GeneratedProject project = GeneratedProject.generate("docs-commands", Map.of("productionMode", "true",
                "serverUrl", "https://auth.example.com", "relyingPartyId", "example.com"));
        String help = project.mvnw(Duration.ofMinutes(3), "-o", "webauthn-keys:help", "-Ddetail")
                .assertSuccess("webauthn-keys:help").output();
        SoftAssertions soft = new SoftAssertions();
        for (String doc : DOCS) {
            String text = Files.readString(project.file(doc));
            Matcher script = SCRIPT.matcher(text);
            while (script.find()) {
                soft.assertThat(project.file("scripts/" + script.group(1))).as("%s names scripts/%s", doc,
                        script.group(1)).isExecutable();
                String usage = Command.run(project.dir(), Duration.ofSeconds(30), Map.of(),
                        List.of("bash", "scripts/" + script.group(1), "--help")).output();
                Matcher option = OPTION.matcher(script.group(2));
                while (option.find()) {
                    soft.assertThat(usage).as("%s: %s in the --help of scripts/%s", doc, option.group(),
                            script.group(1)).contains(option.group());
                }
            }
            Matcher goal = GOAL.matcher(text);
            while (goal.find()) {
                soft.assertThat(help).as("%s names the goal %s", doc, goal.group())
                        .contains("webauthn-keys:" + goal.group(1) + "\n");
            }
            Matcher property = PROPERTY.matcher(text);
            while (property.find()) {
                soft.assertThat(help).as("%s names the property %s", doc, property.group(1))
                        .contains("User property: " + property.group(1) + "\n");
            }
        }
        soft.assertAll();
    }

    /**
     * Settings the docs show only with a companion they name beside them ("with the proxy's address in ..."), and the
     * companion's value.
     */
    private static final Map<String, Map<String, String>> COMPANIONS = Map.of(
            "WEBAUTHN_TRUST_PROXY", Map.of("WEBAUTHN_TRUSTED_PROXIES", "10.0.0.5"));

    /**
     * Each setting on top of the project's defaults (with its companion, if it has one), as a user copying one
     * example would set it: a value the server refuses (a bucket's form for a count, say) stops the server at start
     * with a configuration error.
     */
    @Test
    void everyServerSettingTheDocsShowIsAccepted() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        List<String> seen = new ArrayList<>();
        // The docs differ between a development project and a production one behind its own origin.
        for (GeneratedProject project : List.of(
                GeneratedProject.generate("docs-settings", Map.of("generateExamples", "none")),
                GeneratedProject.generate("docs-settings-production", Map.of("generateExamples", "none",
                        "productionMode", "true", "serverUrl", "https://auth.example.com",
                        "relyingPartyId", "example.com")))) {
            for (String doc : DOCS) {
                Matcher setting = SETTING.matcher(Files.readString(project.file(doc)));
                while (setting.find()) {
                    seen.add(setting.group());
                    Map<String, String> environment = new HashMap<>(Map.of("WEBAUTHN_DATA_DIR",
                            project.file("target/docs-settings").toString()));
                    environment.putAll(COMPANIONS.getOrDefault(setting.group(1), Map.of()));
                    environment.put(setting.group(1), setting.group(2));
                    try {
                        ServerConfig.fromEnvironment(environment);
                    } catch (ConfigException e) {
                        soft.fail("%s of %s shows %s, which the server refuses: %s", doc, project.dir().getFileName(),
                                setting.group(), e.getMessage());
                    }
                }
            }
        }
        soft.assertAll();
        assertThat(seen).as("settings the docs show").contains("WEBAUTHN_RATE_LIMIT_ADDRESS=100000",
                "WEBAUTHN_START_LIMIT_ADDRESS=1000000/1m", "WEBAUTHN_RP_ID=localhost",
                "WEBAUTHN_ORIGINS=http://localhost:8080");
    }

    @Test
    void integrationMdLinksTheStandardsItsResourcesName() throws Exception {
        GeneratedProject project = GeneratedProject.generate("docs-links", Map.of("generateExamples", "none"));
        String text = Files.readString(project.file("INTEGRATION.md"));
        int start = text.indexOf("\n## Resources\n");
        assertThat(start).as("INTEGRATION.md's Resources section").isPositive();
        List<String> links = new ArrayList<>();
        Matcher link = LINK.matcher(text.substring(start));
        while (link.find()) {
            links.add(link.group(1));
        }

        for (String url : links) {
            URI uri = URI.create(url);
            assertThat(uri.getScheme()).as(url).isEqualTo("https");
            assertThat(uri.getHost()).as(url).isNotBlank().contains(".");
            assertThat(uri.getRawQuery()).as(url).isNull();
        }
        assertThat(links).contains("https://www.w3.org/TR/webauthn-3/", "https://www.rfc-editor.org/rfc/rfc8725",
                "https://www.rfc-editor.org/rfc/rfc7517", "https://www.rfc-editor.org/rfc/rfc7519",
                "https://docs.docker.com/compose/how-tos/use-secrets/");
        assertThat(links).anyMatch(url -> url.startsWith("https://fidoalliance.org/specs/")
                && url.contains("client-to-authenticator-protocol"));
        assertThat(links).filteredOn(url -> url.startsWith("https://cheatsheetseries.owasp.org/cheatsheets/"))
                .extracting(url -> url.substring(url.lastIndexOf('/') + 1)).containsExactly(
                        "Authentication_Cheat_Sheet.html", "JSON_Web_Token_for_Java_Cheat_Sheet.html",
                        "Secrets_Management_Cheat_Sheet.html");
    }
}
