package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kit README's "Generate a project" section against the archetype: its property table lists exactly the
 * archetype's properties with their defaults, and its generate command works as written.
 */
class ReadmeGenerateIT {
    private static final Path SOURCE = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize();
    private static final Pattern ROW = Pattern.compile("^\\| `(\\w+)` \\| ([^|]+) \\|", Pattern.MULTILINE);
    private static final Pattern PROPERTY = Pattern.compile(
            "<requiredProperty key=\"(\\w+)\"><defaultValue>(.*?)</defaultValue></requiredProperty>");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(\\w+)");

    @Test
    void thePropertyTableListsEveryArchetypePropertyWithItsDefault() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section());
        while (row.find()) {
            documented.put(row.group(1), row.group(2).trim());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Matcher property = PROPERTY.matcher(Files.readString(SOURCE.resolve(
                "webauthn-client-archetype/src/main/resources-filtered/META-INF/maven/archetype-metadata.xml")));
        while (property.find()) {
            metadata.put(property.group(1), property.group(2));
        }

        assertThat(documented.keySet()).containsExactlyElementsOf(metadata.keySet());
        metadata.forEach((name, value) -> {
            Matcher reference = REFERENCE.matcher(value);
            if (reference.find()) {
                assertThat(documented.get(name)).as("default of " + name + " (" + value + ")")
                        .contains("`" + reference.group(1) + "`");
            } else {
                assertThat(documented.get(name)).as("default of " + name).isEqualTo("`" + value + "`");
            }
        });
    }

    @Test
    void theDocumentedGenerateCommandWorks() throws IOException {
        Matcher block = Pattern.compile("```bash\\n(mvn [^`]*?)```").matcher(section());
        assertThat(block.find()).as("a bash block with the mvn command").isTrue();
        List<String> words = words(block.group(1).replace("\\\n", " "));
        assertThat(words.get(0)).isEqualTo("mvn");
        Map<String, String> properties = new LinkedHashMap<>();
        for (String word : words) {
            if (word.startsWith("-D") && word.contains("=")) {
                properties.put(word.substring(2, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
            }
        }
        assertThat(words).contains("org.apache.maven.plugins:maven-archetype-plugin:"
                + System.getProperty("kit.archetypePluginVersion") + ":generate");
        assertThat(properties).containsEntry("archetypeVersion", GeneratedProject.kitVersion());

        String artifactId = properties.remove("artifactId");
        GeneratedProject project = GeneratedProject.generateInto(GeneratedProject.newWorkDir("readme"), artifactId,
                properties).assertGenerated();

        String readme = section().replace("\n", " ");
        String local = "WEBAUTHN_RP_ID=localhost WEBAUTHN_ORIGINS=http://localhost:8080 java -jar target/" + artifactId
                + ".jar";
        assertThat(readme).contains(local);
        assertThat(project.generation().output()).contains("./mvnw package").contains(local)
                .contains("open http://localhost:8080/ and register a passkey")
                .doesNotContain("open https://auth.example.com/");
        assertThat(Files.readString(project.file("src/main/resources/webauthn-defaults.properties")))
                .contains("WEBAUTHN_RP_ID=example.com").contains("WEBAUTHN_RP_NAME=Example Corp")
                .contains("WEBAUTHN_JWT_AUDIENCE=example-api");
        assertThat(project.file("docker/nginx.conf")).as("production mode").isRegularFile();
    }

    private static String section() throws IOException {
        String readme = Files.readString(SOURCE.resolve("README.md"));
        int start = readme.indexOf("\n## Generate a project\n");
        assertThat(start).as("the README's 'Generate a project' section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end);
    }

    /** Splits a shell command line into words, honouring double quotes. */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    words.add(word.toString());
                    word.setLength(0);
                    any = false;
                }
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(word.toString());
        }
        return words;
    }
}
