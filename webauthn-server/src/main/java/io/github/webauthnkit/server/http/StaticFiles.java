package io.github.webauthnkit.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web client's files, read once at start-up: the library's own (under {@value #LIBRARY_DIRECTORY} in the
 * webauthn-server jar) overlaid with the project's (under {@value #PROJECT_DIRECTORY} on the class path), so a team
 * restyles or replaces any file without forking the library. They are a few kilobytes; reading them from a jar's entry
 * list is faster than mounting the jar as a file system, which the servlet layer's resource handler does.
 */
final class StaticFiles {
    static final String LIBRARY_DIRECTORY = "webauthn-server/static/";
    static final String PROJECT_DIRECTORY = "static/";

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("woff", "font/woff"));

    private static final Logger LOG = LoggerFactory.getLogger(StaticFiles.class);

    private StaticFiles() {
    }

    /** Request path ("/app.js") to the file's bytes, in path order: the project's files over the library's. */
    static Map<String, byte[]> load() {
        return load(StaticFiles.class.getClassLoader());
    }

    static Map<String, byte[]> load(ClassLoader classLoader) {
        Map<String, byte[]> files = new TreeMap<>();
        files.putAll(read(libraryRoot(), LIBRARY_DIRECTORY));
        Map<String, byte[]> project = new TreeMap<>();
        for (Path root : roots(classLoader, PROJECT_DIRECTORY)) {
            read(root, PROJECT_DIRECTORY).forEach(project::putIfAbsent);
        }
        files.putAll(project);
        if (!files.containsKey("/index.html")) {
            LOG.warn("No index.html under {} or {} on the class path: the web client is not served", PROJECT_DIRECTORY,
                    LIBRARY_DIRECTORY);
        }
        if (!project.isEmpty()) {
            LOG.atInfo().addKeyValue("event", "web_client_overrides").addKeyValue("files", project.keySet())
                    .log("The project's own web client files take precedence: " + project.keySet());
        }
        return files;
    }

    /** Every class-path root (a directory or a jar) that holds the directory, in class-path order. */
    private static List<Path> roots(ClassLoader classLoader, String directory) {
        List<Path> roots = new ArrayList<>();
        try {
            for (URL url : Collections.list(classLoader.getResources(directory))) {
                Path root = root(url, directory);
                if (root != null) {
                    roots.add(root);
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("Cannot list the web client's files on the class path: " + e, e);
        }
        return roots;
    }

    /**
     * The class-path root (a directory or a jar) this class was read from, found by its own resource rather than its
     * protection domain: a JVM mapping its classes from an AOT cache trained on a relative class path, started from
     * another directory, gives them a code source without a location.
     */
    private static Path libraryRoot() {
        String name = StaticFiles.class.getName().replace('.', '/') + ".class";
        URL url = StaticFiles.class.getResource("/" + name);
        Path root;
        try {
            root = url == null ? null : root(url, name);
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("Cannot locate the server's classes to read the web client: " + e, e);
        }
        if (root == null) {
            throw new IllegalStateException("Cannot locate the server's classes to read the web client: " + url
                    + " is neither in a directory nor in a jar on the file system");
        }
        return root;
    }

    /**
     * The root a resource's URL was found under: its jar, or its directory less the resource's own path; null for
     * anything else, such as a jar inside a jar, which this does not read.
     */
    private static Path root(URL url, String resource) throws URISyntaxException {
        String text = url.toString();
        if (text.startsWith("jar:file:") && text.contains("!/") && text.indexOf("!/") == text.lastIndexOf("!/")) {
            return Path.of(new URI(text.substring("jar:".length(), text.indexOf("!/"))));
        }
        if (!text.startsWith("file:")) {
            return null;
        }
        Path path = Path.of(url.toURI());
        for (String segment : resource.split("/")) {
            if (!segment.isEmpty()) {
                path = path.getParent();
            }
        }
        return path;
    }

    /** The files under a directory of a class-path root, by request path. */
    private static Map<String, byte[]> read(Path source, String directory) {
        Map<String, byte[]> files = new TreeMap<>();
        try {
            if (Files.isDirectory(source)) {
                Path root = source.resolve(directory);
                if (Files.isDirectory(root)) {
                    try (Stream<Path> walk = Files.walk(root)) {
                        for (Path file : walk.filter(Files::isRegularFile).toList()) {
                            String relative = root.relativize(file).toString().replace('\\', '/');
                            files.put("/" + relative, Files.readAllBytes(file));
                        }
                    }
                }
            } else {
                // The class loader already holds this jar open; the JDK shares the parsed entry list between opens.
                try (JarFile jar = new JarFile(source.toFile())) {
                    for (JarEntry entry : jar.stream().filter(e -> !e.isDirectory()
                            && e.getName().startsWith(directory)).toList()) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            files.put("/" + entry.getName().substring(directory.length()), in.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the web client from " + source + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** The Content-Type for a path, by its extension; unknown ones are sent as bytes (with nosniff). */
    static String contentType(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }
}
