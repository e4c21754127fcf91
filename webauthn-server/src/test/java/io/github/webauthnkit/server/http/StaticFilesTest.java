package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
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

    @Test
    void theLibrarysFilesAreFoundWhenItsClassesHaveNoCodeSourceLocation() throws Exception {
        // As Java 25 defines the classes it maps from an AOT cache trained on a relative class path, when the server
        // is then started from another directory: the server failed to start until it stopped asking for it.
        Class<?> isolated = new NoLocationLoader(StaticFilesTest.class.getClassLoader())
                .loadClass(StaticFiles.class.getName());
        assertThat(isolated.getProtectionDomain().getCodeSource().getLocation()).isNull();
        Method load = isolated.getDeclaredMethod("load", ClassLoader.class);
        load.setAccessible(true);

        @SuppressWarnings("unchecked")
        Map<String, byte[]> files = (Map<String, byte[]>) load.invoke(null, new URLClassLoader(new URL[0], null));

        assertThat(files).containsKeys("/index.html", "/app.js", "/style.css");
    }

    /** Defines {@link StaticFiles} itself, from its class file, with a code source that has no location. */
    private static final class NoLocationLoader extends ClassLoader {
        NoLocationLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(StaticFiles.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    if (in == null) {
                        throw new ClassNotFoundException(name + ": no class file");
                    }
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length,
                            new ProtectionDomain(new CodeSource(null, (Certificate[]) null), null));
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }

    private static String text(Map<String, byte[]> files, String path) {
        assertThat(files).containsKey(path);
        return new String(files.get(path), StandardCharsets.UTF_8);
    }
}
