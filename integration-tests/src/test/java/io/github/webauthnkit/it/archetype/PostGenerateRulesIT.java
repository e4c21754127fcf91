package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The archetype's post-generate script keeps its own copy of the key-ring rules (it runs before anything can be
 * resolved); that copy is the one in webauthn-keys-core.
 */
class PostGenerateRulesIT {
    private static final Path SOURCES = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize();
    private static final Path SCRIPT = SOURCES.resolve(
            "webauthn-client-archetype/src/main/resources-filtered/META-INF/archetype-post-generate.groovy");
    private static final Path DURATIONS = SOURCES.resolve(
            "webauthn-keys-core/src/main/java/io/github/webauthnkit/keys/core/Durations.java");

    @Test
    void theScriptAcceptsExactlyTheCoreAlgorithms() throws IOException {
        String list = group(SCRIPT, "(?m)^def algorithms = \\[(.+)]$");
        List<String> accepted = Arrays.stream(list.split(",")).map(s -> s.trim().replace("'", "")).toList();

        assertThat(accepted).containsExactly(Arrays.stream(KeyAlgorithm.values()).map(Enum::name).toArray(String[]::new));
    }

    @Test
    void theScriptParsesTheCoreShortDurations() throws IOException {
        // Both are used with matches(); the script's copy spells the anchors out.
        String script = group(SCRIPT, "(?m)^def shortDuration = ~/\\^(.+)\\$/$");
        String core = group(DURATIONS, "Pattern SHORT = Pattern\\.compile\\(\"(.+)\"\\);").replace("\\\\", "\\");

        assertThat(script).isEqualTo(core);
    }

    private static String group(Path file, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
        assertThat(m.find()).as("%s in %s", regex, file).isTrue();
        return m.group(1);
    }
}
