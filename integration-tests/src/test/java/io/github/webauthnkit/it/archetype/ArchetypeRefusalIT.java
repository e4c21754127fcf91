package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad property value fails generation with a message naming it, and leaves no directory behind. */
class ArchetypeRefusalIT {

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Map.of("serverPort", "0"),
                        "Invalid value for property 'serverPort': '0'. Expected a port number from 1 to 65535."),
                Arguments.of(Map.of("serverPort", "70000"),
                        "Invalid value for property 'serverPort': '70000'. Expected a port number from 1 to 65535."),
                Arguments.of(Map.of("serverPort", "9090"),
                        "Property 'serverPort' (9090) contradicts serverUrl (http://localhost:8080), whose port is 8080:"
                                + " browsers would call a port the server does not listen on."),
                Arguments.of(Map.of("serverUrl", "https://auth.example.com:443", "relyingPartyId", "example.com",
                                "serverPort", "8080"),
                        "Property 'serverPort' (8080) contradicts serverUrl (https://auth.example.com:443), whose port"
                                + " is 443"),
                Arguments.of(Map.of("postgresPort", "http"),
                        "Invalid value for property 'postgresPort': 'http'. Expected a port number from 1 to 65535."),
                Arguments.of(Map.of("networkMode", "bogus"),
                        "Invalid value for property 'networkMode': 'bogus'. Expected one of isolated, shared."),
                Arguments.of(Map.of("networkMode", "shared"),
                        "Property 'sharedNetwork' is required when networkMode=shared"),
                Arguments.of(Map.of("relyingPartyId", "example.com"),
                        "Invalid value for property 'relyingPartyId': 'example.com'. Expected the host of serverUrl"
                                + " (localhost) or a parent domain of it."),
                Arguments.of(Map.of("productionMode", "true", "serverUrl", "http://auth.example.com",
                                "relyingPartyId", "example.com"),
                        "Invalid value for property 'serverUrl': 'http://auth.example.com'. productionMode=true"
                                + " requires an https serverUrl"),
                Arguments.of(Map.of("generateExamples", "python,cobol"),
                        "Invalid value for property 'generateExamples': 'python,cobol'. Expected a comma-separated"
                                + " list from python, typescript, java, go without repeats, or none."),
                Arguments.of(Map.of("publicKeyPath", "../outside.pem"),
                        "Invalid value for property 'publicKeyPath': '../outside.pem'. Expected a relative file path"
                                + " inside the project"),
                Arguments.of(Map.of("tokenTtl", "forever"),
                        "Invalid value for property 'tokenTtl': 'forever'. Expected a duration from 1m to 24h"),
                Arguments.of(Map.of("tokenTtl", "48h"),
                        "Invalid value for property 'tokenTtl': '48h'. Expected a duration from 1m to 24h"),
                Arguments.of(Map.of("jwtAlgorithm", "HS256"),
                        "Invalid value for property 'jwtAlgorithm': 'HS256'. Expected an asymmetric algorithm"),
                Arguments.of(Map.of("androidApps", "com.example.app=14:6D:E9:83"),
                        "Invalid fingerprint in property 'androidApps': '14:6D:E9:83' (entry"
                                + " 'com.example.app=14:6D:E9:83') is not a SHA-256 certificate fingerprint. Expected 32"
                                + " hex bytes separated by colons, as 'keytool -list -v' prints after 'SHA256:'."),
                Arguments.of(Map.of("androidApps", "14:6D:E9:83"),
                        "Invalid entry in property 'androidApps': '14:6D:E9:83'. Expected an application id"),
                Arguments.of(Map.of("iosApps", "com.example.app"),
                        "Invalid entry in property 'iosApps': 'com.example.app'. Expected the app's ten-character"
                                + " Team ID"),
                Arguments.of(Map.of("relatedOrigins", "http://example.de"),
                        "Invalid entry in property 'relatedOrigins': 'http://example.de'. Expected an https origin"),
                Arguments.of(Map.of("serverUrl", "ftp://localhost"),
                        "Invalid value for property 'serverUrl': 'ftp://localhost'. Expected an absolute http(s) URL"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void aBadValueFailsGenerationNamingItAndLeavesNothing(Map<String, String> properties, String message) {
        Path parent = GeneratedProject.newWorkDir("refused");

        GeneratedProject project = GeneratedProject.generateInto(parent, "refused-demo", properties);

        assertThat(project.generation().exitCode()).as(project.generation().output()).isNotZero();
        assertThat(project.generation().output()).contains("The project was not generated").contains(message);
        assertThat(project.dir()).doesNotExist();
    }

    @Test
    void everyBadValueIsListedInOneRun() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("serverPort", "0");
        properties.put("attestation", "maybe");
        properties.put("userVerification", "always");
        GeneratedProject project = GeneratedProject.generateInto(GeneratedProject.newWorkDir("refused"), "many",
                properties);

        assertThat(project.generation().output())
                .contains("'serverPort': '0'")
                .contains("'attestation': 'maybe'. Expected one of none, indirect, direct, enterprise.")
                .contains("'userVerification': 'always'. Expected one of required, preferred, discouraged.");
        assertThat(project.dir()).doesNotExist();
    }

    /** Without a port in serverUrl a proxy serves the origin, so serverPort is the port behind it, whatever it is. */
    @Test
    void serverPortIsFreeBehindAProxiedOrigin() throws Exception {
        GeneratedProject project = GeneratedProject.generateInto(GeneratedProject.newWorkDir("proxied"), "proxied",
                Map.of("serverUrl", "https://auth.example.com", "relyingPartyId", "example.com", "serverPort", "9090"))
                .assertGenerated();

        Properties defaults = new Properties();
        try (Reader reader = Files.newBufferedReader(project.file("src/main/resources/webauthn-defaults.properties"))) {
            defaults.load(reader);
        }
        assertThat(defaults).containsEntry("WEBAUTHN_PORT", "9090")
                .containsEntry("WEBAUTHN_ORIGINS", "https://auth.example.com");
    }

    /** A fresh clone of an empty repository is a typical target: its files stay, and nothing is overwritten. */
    @Test
    void anExistingDirectoryKeepsItsFiles() throws Exception {
        Path parent = GeneratedProject.newWorkDir("existing");
        Path dir = Files.createDirectories(parent.resolve("existing-demo"));
        Path readme = Files.writeString(dir.resolve("README.md"), "our own readme\n");
        Path head = Files.writeString(Files.createDirectories(dir.resolve(".git")).resolve("HEAD"), "ref: main\n");
        FileTime earlier = FileTime.from(Instant.now().minusSeconds(600));
        Files.setLastModifiedTime(readme, earlier);
        Files.setLastModifiedTime(head, earlier);

        GeneratedProject refused = GeneratedProject.generateInto(parent, "existing-demo", Map.of("serverPort", "0"));
        assertThat(refused.generation().output()).contains("the files that were already in")
                .contains("were kept, the generated ones removed");
        assertThat(dir).isDirectory();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).containsExactlyInAnyOrder(readme, head);
        }

        GeneratedProject project = GeneratedProject.generateInto(parent, "existing-demo", Map.of()).assertGenerated();
        assertThat(Files.readString(readme)).isEqualTo("our own readme\n");
        assertThat(project.file("pom.xml")).isRegularFile();
        assertThat(project.file("docker/secrets/jwt_signing_keys.json")).isRegularFile();

        GeneratedProject again = GeneratedProject.generateInto(parent, "existing-demo", Map.of());
        assertThat(again.generation().exitCode()).isNotZero();
        assertThat(again.generation().output()).contains("A Maven project already exists in the directory");
        assertThat(Files.readString(readme)).isEqualTo("our own readme\n");
    }
}
