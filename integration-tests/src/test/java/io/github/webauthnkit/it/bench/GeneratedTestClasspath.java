package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated project's test class path (its test classes, main classes and every dependency), so the benchmark can
 * run the project's own load-test tool directly with {@code java} and use its PostgreSQL and Redis test servers,
 * without a Maven start per measurement.
 */
final class GeneratedTestClasspath {
    private final GeneratedProject project;
    private final String classpath;

    private GeneratedTestClasspath(GeneratedProject project, String classpath) {
        this.project = project;
        this.classpath = classpath;
    }

    static GeneratedTestClasspath of(GeneratedProject project) {
        Path file = project.file("target/bench-classpath.txt");
        project.mvnw(Duration.ofMinutes(10), "-q", "test-compile",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath", "-Dmdep.includeScope=test",
                "-Dmdep.outputFile=" + file).assertSuccess("test class path of the generated project");
        try {
            String dependencies = Files.readString(file).strip();
            return new GeneratedTestClasspath(project, String.join(File.pathSeparator,
                    project.file("target/test-classes").toString(), project.file("target/classes").toString(),
                    dependencies));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The class path, as {@code java -cp} takes it. */
    String path() {
        return classpath;
    }

    /** The project's directory, where its tools run. */
    Path projectDir() {
        return project.dir();
    }

    /** A class loader over the class path, for the project's test servers. */
    URLClassLoader classLoader() {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            try {
                urls.add(Path.of(entry).toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
}
