package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.it.support.RunningServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resident memory after 1000 clients, and what it costs at concurrency 64, for the image's settings and variants
 * of them, alternating: each server as the image starts it (Java 25, its AOT cache, the image's {@code
 * JAVA_TOOL_OPTIONS}, {@code -XX:MaxRAM} of the container) runs 60 s at concurrency 64, then 20 s measured there, then
 * 1000 clients for 60 s; then its resident memory right away (as the full benchmark reads it) and 6 s later. A
 * variant per setting the image might change: {@code ./mvnw -B -pl integration-tests verify -Pbenchmark
 * -Dit.test=MemoryAfterLoad} after {@code ./mvnw -B install -DskipTests}, about 3 minutes a variant and round;
 * {@code -Dbench.rounds} (default 2), {@code -Dbench.variants} (default {@code image,arenas,trim,both}; also
 * {@code heap11}, {@code nocache}). Prints a table and writes it to
 * {@code integration-tests/target/memory-after-load.md}.
 */
class MemoryAfterLoad {
    private static final Duration WARMUP = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final Duration MEASURED = Duration.ofSeconds(20);
    private static final Duration THOUSAND = Duration.ofSeconds(60);

    /**
     * A setting to compare: extra environment, JVM options put after the image's, and whether the server maps the
     * image's AOT cache.
     */
    private record Variant(String label, Map<String, String> environment, String moreOptions, boolean cache) {
    }

    /** The variants by the names {@code -Dbench.variants} takes (a comma-separated list, in the order given). */
    private static final Map<String, Variant> VARIANTS = Map.of(
            "image", new Variant("the image's settings", Map.of(), "", true),
            "arenas", new Variant("two C library arenas (MALLOC_ARENA_MAX=2)", Map.of("MALLOC_ARENA_MAX", "2"), "",
                    true),
            "trim", new Variant("native heap trimmed every second", Map.of(), "-XX:TrimNativeHeapInterval=1000", true),
            "both", new Variant("both", Map.of("MALLOC_ARENA_MAX", "2"), "-XX:TrimNativeHeapInterval=1000", true),
            "heap11", new Variant("the heap at 11% (56 MiB)", Map.of(),
                    "-XX:MinRAMPercentage=11 -XX:MaxRAMPercentage=11", true),
            "nocache", new Variant("without the AOT cache", Map.of(), "", false));

    @Test
    void run() throws Exception {
        GeneratedProject project = GeneratedProject.generate("memory", Map.of("generateExamples", "none"));
        project.mvnw(Duration.ofMinutes(10), "package", "-DskipTests", "-o").assertSuccess("package");
        ImageJvm image = ImageJvm.of(project);
        Map<String, String> imageEnvironment = image.environment("-XX:MaxRAM=512m");
        ImageJvm.Locations paths = new ImageJvm.Locations(project.file("target/memory.jar"),
                project.file("target/native"), project.file("target/memory-server.aot"));
        image.copyNativeLibrary(project.dir(), paths, Duration.ofMinutes(5)).assertSuccess("native library");
        image.train(project.dir(), paths, imageEnvironment, Duration.ofMinutes(5)).assertSuccess("AOT cache");
        List<String> options = image.serverOptions(paths);

        int rounds = Integer.getInteger("bench.rounds", 2);
        List<Variant> variants = new ArrayList<>();
        for (String name : System.getProperty("bench.variants", "image,arenas,trim,both").split(",")) {
            Variant variant = VARIANTS.get(name.strip());
            if (variant == null) {
                throw new IllegalArgumentException("No variant " + name + "; -Dbench.variants takes "
                        + VARIANTS.keySet());
            }
            variants.add(variant);
        }
        Map<Variant, List<String>> rows = new LinkedHashMap<>();
        int servers = 0;
        try (LoadToolSession tool = LoadToolSession.start(GeneratedTestClasspath.of(project))) {
            for (int round = 1; round <= rounds; round++) {
                for (Variant variant : variants) {
                    Map<String, String> environment = new HashMap<>(imageEnvironment);
                    environment.putAll(variant.environment());
                    environment.put("JAVA_TOOL_OPTIONS", (environment.get("JAVA_TOOL_OPTIONS") + " "
                            + variant.moreOptions()).strip());
                    environment.put("WEBAUTHN_DATA_DIR", project.file("target/memory-data-" + servers++).toString());
                    System.out.printf("Round %d of %d: %s%n", round, rounds, variant.label());
                    List<String> jvmOptions = variant.cache() ? options
                            : options.stream().filter(option -> !option.startsWith("-XX:AOTCache")).toList();
                    try (RunningServer server = RunningServer.start(project, environment, ImageJvm.java(),
                            jvmOptions)) {
                        CeremonyLoad.run(tool, server.baseUrl(), 64, 64, Duration.ZERO, WARMUP);
                        CeremonyLoad.Outcome c64 = CeremonyLoad.run(tool, server.baseUrl(), 64, 64, SETTLE, MEASURED);
                        CeremonyLoad.Outcome thousand = CeremonyLoad.run(tool, server.baseUrl(), 1000, 1000, SETTLE,
                                THOUSAND);
                        Map<String, Long> now = server.memory();
                        Thread.sleep(6000);
                        Map<String, Long> later = server.memory();
                        String row = String.format("| %s | %d | %.0f / s | %.0f / s, %d errors | %s (anonymous %s, "
                                        + "files %s) | %s |", variant.label(), round, c64.perSecond(),
                                thousand.perSecond(), c64.errors() + thousand.errors(),
                                Benchmark.mib(now.get("VmRSS")), Benchmark.mib(now.get("RssAnon")),
                                Benchmark.mib(now.get("RssFile")), Benchmark.mib(later.get("VmRSS")));
                        rows.computeIfAbsent(variant, v -> new ArrayList<>()).add(row);
                        System.out.println(row);
                    }
                }
            }
        }
        StringBuilder table = new StringBuilder(String.format("Resident memory after 1000 clients, Java %s as the "
                + "image starts it, %d cores; %d s at concurrency 64 first, then %d s measured there, then 1000 clients"
                + " for %d s (each after %d s left out)%n%n", ImageJvm.javaVersion(),
                Runtime.getRuntime().availableProcessors(), WARMUP.toSeconds(), MEASURED.toSeconds(),
                THOUSAND.toSeconds(), SETTLE.toSeconds()));
        table.append("| variant | round | concurrency 64 | 1000 clients | resident right after | 6 s later |\n");
        table.append("|---|---|---|---|---|---|\n");
        rows.values().forEach(list -> list.forEach(row -> table.append(row).append('\n')));
        System.out.println(table);
        Files.writeString(Path.of("target/memory-after-load.md"), table);
    }
}
