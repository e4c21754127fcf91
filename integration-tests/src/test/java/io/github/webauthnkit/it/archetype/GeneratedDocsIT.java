package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.server.config.ConfigException;
import io.github.webauthnkit.server.config.ServerConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
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
    /** A setting with a value, as in {@code WEBAUTHN_RP_ID=localhost java -jar ...}. */
    private static final Pattern SETTING = Pattern.compile("\\b(WEBAUTHN_[A-Z0-9_]+)=([^\\s`'\"]*)");
    /** A setting's row in the README's table of settings. */
    private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\| `(WEBAUTHN_[A-Z0-9_]+)` \\|");
    /**
     * Settings the docs show only with a companion they name beside them ("with the proxy's address in ..."), and the
     * companion's value.
     */
    private static final Map<String, Map<String, String>> COMPANIONS = Map.of(
            "WEBAUTHN_TRUST_PROXY", Map.of("WEBAUTHN_TRUSTED_PROXIES", "10.0.0.5"));

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
     * Every setting the docs show with a value is one of the README's table, and the server accepts it on top of the
     * project's generated defaults, together with the other settings of its line (as a user copying the example sets
     * them) and its companion, if it has one: a value the server refuses (a bucket's form for a count, say) stops the
     * server at start with a configuration error. Placeholders ({@code <...>}, {@code $...}) are left out.
     */
    @Test
    void everyServerSettingTheDocsShowIsAccepted() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        // The docs differ between a development project and a production one behind its own origin.
        assertSettingsAccepted(soft, GeneratedProject.generate("docs-settings", Map.of("generateExamples", "none")),
                "WEBAUTHN_RATE_LIMIT_ADDRESS=100000", "WEBAUTHN_START_LIMIT_ADDRESS=1000000/1m");
        assertSettingsAccepted(soft, GeneratedProject.generate("docs-settings-production", Map.of("generateExamples",
                "none", "productionMode", "true", "serverUrl", "https://auth.example.com", "relyingPartyId",
                "example.com")), "WEBAUTHN_RATE_LIMIT_ADDRESS=100000", "WEBAUTHN_RP_ID=localhost",
                "WEBAUTHN_ORIGINS=http://localhost:8080");
        soft.assertAll();
    }

    /** One project's docs, line by line; {@code mustShow}: settings they show, so that the check is not empty. */
    private static void assertSettingsAccepted(SoftAssertions soft, GeneratedProject project, String... mustShow)
            throws IOException {
        String name = project.dir().getFileName().toString();
        Map<String, String> defaults = projectDefaults(project);
        Set<String> known = TABLE_ROW.matcher(Files.readString(project.file("README.md"))).results()
                .map(row -> row.group(1)).collect(Collectors.toSet());
        List<String> seen = new ArrayList<>();
        for (String doc : DOCS) {
            for (String line : Files.readString(project.file(doc)).split("\n")) {
                Map<String, String> shown = settingsShown(line);
                if (shown.isEmpty()) {
                    continue;
                }
                shown.forEach((setting, value) -> seen.add(setting + "=" + value));
                soft.assertThat(known).as("%s of %s shows %s, settings of the README's table", doc, name,
                        shown.keySet()).containsAll(shown.keySet());
                Map<String, String> environment = new HashMap<>(defaults);
                shown.keySet().forEach(setting -> environment.putAll(COMPANIONS.getOrDefault(setting, Map.of())));
                environment.putAll(shown);
                try {
                    ServerConfig.fromEnvironment(environment);
                } catch (ConfigException e) {
                    soft.fail("%s of %s shows %s, which the server refuses: %s", doc, name, shown, e.getMessage());
                }
            }
        }
        soft.assertThat(seen).as("settings the docs of %s show", name).contains(mustShow);
    }

    /** The settings a line shows with a value, in order; placeholders ({@code <...>}, {@code $...}) left out. */
    private static Map<String, String> settingsShown(String line) {
        Map<String, String> shown = new LinkedHashMap<>();
        Matcher setting = SETTING.matcher(line);
        while (setting.find()) {
            String value = setting.group(2).replaceAll("[.,;:)]+$", "");
            if (!value.isEmpty() && !value.contains("$") && !value.contains("<")) {
                shown.put(setting.group(1), value);
            }
        }
        return shown;
    }

    /**
     * The project's generated server defaults, as its jar reads them; its build fills in the token lifetime, so the
     * pom's default stands in here.
     */
    private static Map<String, String> projectDefaults(GeneratedProject project) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(project.file("src/main/resources/webauthn-defaults.properties"))) {
            properties.load(in);
        }
        Map<String, String> defaults = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> defaults.put(key,
                properties.getProperty(key).equals("${webauthn.keys.tokenTtl}") ? "15m" : properties.getProperty(key)));
        defaults.put("WEBAUTHN_DATA_DIR", project.file("target/docs-settings").toString());
        return defaults;
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
