package io.github.webauthnkit.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The least toolchain versions the examples state in their own files are the ones the kit README names, this machine
 * has them, and a toolchain older than an example needs fails with the version it needs.
 */
class ExampleToolchainsIT {
    private static final Path SOURCE = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize();
    private static final Path EXAMPLES = SOURCE.resolve(
            "webauthn-client-archetype/src/main/resources/archetype-resources/examples");

    @Test
    void theReadmeNamesEachExamplesMinimum() throws Exception {
        String readme = Files.readString(SOURCE.resolve("README.md")).replaceAll("\\s+", " ");
        for (ExampleLanguage language : ExampleLanguage.values()) {
            assertThat(readme).as("the README's minimum for the %s example", language)
                    .contains(language.toolchain.name() + " " + language.minimumVersion(EXAMPLES) + " or newer");
        }
    }

    @Test
    void thisMachinesToolchainsAreNewEnough() {
        for (ExampleLanguage language : ExampleLanguage.values()) {
            language.requireToolchain(EXAMPLES);
        }
    }

    @Test
    void anOlderToolchainFailsNamingTheVersionNeeded(@TempDir Path copy) throws Exception {
        try (Stream<Path> files = Files.walk(EXAMPLES.resolve("go"), 1)) {
            Files.createDirectories(copy.resolve("go"));
            for (Path file : files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(file, copy.resolve("go").resolve(file.getFileName()));
            }
        }
        Path goMod = copy.resolve("go/go.mod");
        Files.writeString(goMod, Files.readString(goMod).replaceFirst("(?m)^go [0-9.]+$", "go 9.1.0"));

        assertThatThrownBy(() -> ExampleLanguage.GO.requireToolchain(copy)).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Go 9.1.0 or newer is needed by examples/go (go.mod); this machine has 1.")
                .hasMessageEndingWith(". Install Go 9.1.0 or newer (.ci/run installs it on Debian).");
    }
}
