package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's chart alone, from a short run: a generated project's server as plain {@code java -jar} (embedded
 * default, RS256 tokens) driven by its load-test tool at the benchmark's concurrencies, 5 s of warm-up and
 * {@code -Dbench.seconds} (default 5) measured each ({@code ./mvnw -B -pl integration-tests verify -Pbenchmark
 * -Dit.test=LoadCurve} after {@code ./mvnw -B install -DskipTests}). The full benchmark writes the same chart from its
 * longer embedded RS256 steps.
 */
class LoadCurve {
    @Test
    void run() throws Exception {
        GeneratedProject project = GeneratedProject.generate("curve", Map.of("generateExamples", "none"));
        project.mvnw(Duration.ofMinutes(10), "package", "-DskipTests", "-o").assertSuccess("package");
        GeneratedTestClasspath classpath = GeneratedTestClasspath.of(project);
        Duration warmup = Duration.ofSeconds(5);
        Duration each = Duration.ofSeconds(Long.getLong("bench.seconds", 5));
        List<CeremonyLoad.Outcome> outcomes = new ArrayList<>();
        try (RunningServer server = RunningServer.start(project, Map.of());
             LoadToolSession tool = LoadToolSession.start(classpath)) {
            for (int concurrency : Benchmark.CONCURRENCIES) {
                outcomes.add(CeremonyLoad.run(tool, server.baseUrl(), concurrency, Math.max(concurrency, 64), warmup,
                        each));
            }
        }
        LoadChart.write(LoadChart.README_CHART, String.format("Short run of %s on %d cores, Java %s: java -jar, "
                        + "embedded, RS256 tokens, %d s warm-up then %d s per concurrency (LoadCurve)", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), warmup.toSeconds(),
                each.toSeconds()), outcomes, List.of());
    }
}
