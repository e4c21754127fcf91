package ${package}.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web client's files (everything under {@code static/} in the server's jar, or in its classes directory when run
 * from the build), read once at start-up. They are a few kilobytes; reading them from the jar's entry list is faster
 * than mounting the jar as a file system, which the servlet layer's resource handler does.
 */
final class StaticFiles {
    static final String DIRECTORY = "static/";

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

    /** Request path ("/app.js") to the file's bytes, in path order. */
    static Map<String, byte[]> load() {
        Path source;
        try {
            source = Path.of(StaticFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("Cannot locate the server's classes to read the web client: " + e, e);
        }
        Map<String, byte[]> files = new TreeMap<>();
        try {
            if (Files.isDirectory(source)) {
                Path root = source.resolve(DIRECTORY);
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
                            && e.getName().startsWith(DIRECTORY)).toList()) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            files.put("/" + entry.getName().substring(DIRECTORY.length()), in.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the web client from " + source + ": " + e.getMessage(), e);
        }
        if (!files.containsKey("/index.html")) {
            LOG.warn("No {}index.html next to the server's classes in {}: the web client is not served", DIRECTORY,
                    source);
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
