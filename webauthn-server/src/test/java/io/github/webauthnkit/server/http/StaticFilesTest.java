package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web client's files: the library's, overlaid with a project's own from a classes directory or a jar. */
class StaticFilesTest {

    @Test
    void withoutProjectFilesTheLibrarysWebClientIsServed() {
        Map<String, byte[]> files = StaticFiles.load(new URLClassLoader(new URL[0], null));

        assertThat(files).containsKeys("/index.html", "/app.js", "/webauthn.js", "/api.js", "/style.css", "/theme.css");
        assertThat(text(files, "/index.html")).contains("<link rel=\"stylesheet\" href=\"/theme.css\">");
    }

    @Test
    void aProjectsClassesDirectoryOverridesAndAddsFiles(@TempDir Path classes) throws Exception {
        Files.createDirectories(classes.resolve("static/img"));
        Files.writeString(classes.resolve("static/theme.css"), ":root { --accent: #0a7d5a; }");
        Files.writeString(classes.resolve("static/img/logo.svg"), "<svg/>");

        Map<String, byte[]> files = StaticFiles.load(new URLClassLoader(new URL[] {classes.toUri().toURL()}, null));

        assertThat(text(files, "/theme.css")).isEqualTo(":root { --accent: #0a7d5a; }");
        assertThat(text(files, "/img/logo.svg")).isEqualTo("<svg/>");
        assertThat(text(files, "/app.js")).contains("import");
    }

    @Test
    void aProjectsJarOverridesTheLibrarysIndex(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("project.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("static/"));
            out.closeEntry();
            out.putNextEntry(new JarEntry("static/index.html"));
            out.write("<h1>Example Corp sign-in</h1>".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }

        Map<String, byte[]> files = StaticFiles.load(new URLClassLoader(new URL[] {jar.toUri().toURL()}, null));

        assertThat(text(files, "/index.html")).isEqualTo("<h1>Example Corp sign-in</h1>");
        assertThat(files).containsKeys("/app.js", "/style.css");
    }

    @Test
    void theFirstProjectRootOnTheClassPathWins(@TempDir Path dir) throws Exception {
        Path first = Files.createDirectories(dir.resolve("first/static"));
        Path second = Files.createDirectories(dir.resolve("second/static"));
        Files.writeString(first.resolve("theme.css"), "first");
        Files.writeString(second.resolve("theme.css"), "second");

        Map<String, byte[]> files = StaticFiles.load(new URLClassLoader(new URL[] {
                first.getParent().toUri().toURL(), second.getParent().toUri().toURL()}, null));

        assertThat(text(files, "/theme.css")).isEqualTo("first");
    }

    private static String text(Map<String, byte[]> files, String path) {
        assertThat(files).containsKey(path);
        return new String(files.get(path), StandardCharsets.UTF_8);
    }
}
