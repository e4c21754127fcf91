package io.github.webauthnkit.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.Processes;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.it.support.RunningServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kit's benchmark on this machine (not part of the default test command: {@code ./mvnw -B -pl integration-tests
 * verify -Pbenchmark} after {@code ./mvnw -B install -DskipTests}; {@code -Dbench.startupOnly=true} stops after the
 * cold starts). Prints a Markdown table and saves it to {@code integration-tests/target/benchmark-results.md}. The
 * servers run on the image's Java ({@link ImageJvm#jdk}) unless a row names another.
 */
class Benchmark {
    private static final Duration BUILD = Duration.ofMinutes(10);
    static final List<Integer> CONCURRENCIES = List.of(1, 16, 64, 256, 1000);
    private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    /** The server container's memory limit in the production Compose file, which sizes the image's heap. */
    private static final String CONTAINER_MEMORY = "512m";
    private static final Duration WARMUP = Duration.ofSeconds(15);
    /** The mean pause of each client in the paced 1000-client run. */
    private static final Duration PACED = Duration.ofSeconds(5);

    private final List<String[]> rows = new ArrayList<>();
    /** Every server runs with the JVM options of the project's image, in a JVM told the container's memory limit. */
    private Map<String, String> jvm;
    /** The image ENTRYPOINT's JVM options: its AOT cache (made by the image's training run), its native library. */
    private List<String> imageOptions;
    /** The image's Java, which starts every server of the benchmark but the cold starts on the tests' JDK. */
    private final String imageJava = ImageJvm.java();

    @Test
    void run() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();

        long generateStart = System.nanoTime();
        GeneratedProject project = GeneratedProject.generate("bench", Map.of("generateExamples", "none"));
        row("`archetype:generate` wall time (batch, warm repository)", millis(System.nanoTime() - generateStart), "");
        long packageStart = System.nanoTime();
        project.mvnw(BUILD, "package", "-DskipTests", "-o").assertSuccess("package");
        row("generated project `./mvnw package -DskipTests -o` wall time", millis(System.nanoTime() - packageStart), "");

        ImageJvm image = ImageJvm.of(project);
        jvm = Map.of("JAVA_TOOL_OPTIONS", image.toolOptions() + " -XX:MaxRAM=" + CONTAINER_MEMORY);
        row("server JVM options (the image's, and the container's memory limit)", "`" + jvm.get("JAVA_TOOL_OPTIONS") + "`", "");
        ImageJvm.Locations paths = new ImageJvm.Locations(project.file("target/bench.jar"), project.file("target/native"),
                project.file("target/bench-server.aot"));
        image.copyNativeLibrary(project.dir(), paths, BUILD).assertSuccess("the Dockerfile's native library RUN");
        long trainingStart = System.nanoTime();
        image.train(project.dir(), paths, jvm, BUILD).assertSuccess("the Dockerfile's AOT cache training RUN");
        row("AOT cache training run of the image build (`docker/Dockerfile`), Java " + ImageJvm.javaVersion(),
                millis(System.nanoTime() - trainingStart), "");
        imageOptions = image.serverOptions(paths);
        row("server started as the image's ENTRYPOINT, on Java " + ImageJvm.javaVersion(),
                "`java " + String.join(" ", imageOptions) + " -jar ...`", "");

        coldStart(project);
        if (Boolean.getBoolean("bench.startupOnly")) {
            save(cores);
            return;
        }

        CryptoCeiling.Timings crypto = CryptoCeiling.measure();
        row("ES256 assertion signature (client), one", micros(crypto.assertionSignNs()), "");
        row("ES256 assertion verification (server), one", micros(crypto.assertionVerifyNs()), "");
        row("RS256 token signature, one", micros(crypto.tokenSignRs256Ns()), "");
        row("ES256 token signature, one", micros(crypto.tokenSignEs256Ns()), "");
        row("crypto ceiling, RS256 tokens (" + cores + " cores / (assertion signature + verification + token signature))",
                String.format("%.0f ceremonies/s", crypto.ceilingPerSecond(cores, true)), "");
        row("crypto ceiling, ES256 tokens", String.format("%.0f ceremonies/s", crypto.ceilingPerSecond(cores, false)), "");
        for (CryptoCeiling.Throughput t : CryptoCeiling.providers()) {
            row("one thread with " + t.provider(), String.format("ES256 verification %.0f/s, RS256 signature %.0f/s",
                    t.es256VerifyPerSecond(), t.rs256SignPerSecond()), "");
        }

        ceremonies(project, crypto, cores);

        jwksAgainstNginx(project);
        save(cores);
    }

    /** Prints the table and saves it to target/benchmark-results.md. */
    private void save(int cores) throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("Benchmark of ").append(LocalDate.now()).append(" on ").append(cores).append(" cores, ")
                .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB max heap of the bench JVM, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(", bench JVM on Java ").append(System.getProperty("java.version"))
                .append(", servers on Java ").append(ImageJvm.javaVersion()).append(" unless a row names another\n\n")
                .append("| measurement | result | target |\n|---|---|---|\n");
        for (String[] row : rows) {
            table.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        System.out.println(table);
        Path out = Path.of("target", "benchmark-results.md");
        Files.writeString(out, table);
        System.out.println("Saved to " + out.toAbsolutePath());
    }

    /**
     * Server start to the first healthy /health, median of 5 runs, as the image starts it (its Java, its AOT cache),
     * and with the image's options but no AOT cache on the image's Java and on the Java of the tests (17, which the
     * jar is compiled for), alternating; resident memory of each when idle (in the last round).
     */
    private void coldStart(GeneratedProject project) {
        List<String> uncached = imageOptions.stream().filter(option -> !option.startsWith("-XX:AOTCache")).toList();
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("as the image starts (Java " + ImageJvm.javaVersion() + ", its AOT cache)",
                prepend(imageJava, imageOptions));
        commands.put("without the AOT cache, Java " + ImageJvm.javaVersion(), prepend(imageJava, uncached));
        commands.put("without the AOT cache, Java " + System.getProperty("java.version"), prepend(Command.java(), uncached));
        Map<String, List<Long>> times = new LinkedHashMap<>();
        Map<String, Long> idleRss = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            for (Map.Entry<String, List<String>> command : commands.entrySet()) {
                List<String> java = command.getValue();
                long start = System.nanoTime();
                try (RunningServer server = RunningServer.start(project, jvm, java.get(0), java.subList(1, java.size()))) {
                    times.computeIfAbsent(command.getKey(), k -> new ArrayList<>()).add(System.nanoTime() - start);
                    if (i == 4) {
                        Processes.sleep(2000);
                        idleRss.put(command.getKey(), server.residentBytes());
                    }
                }
            }
        }
        boolean image = true;
        for (String how : commands.keySet()) {
            List<Long> runs = times.get(how);
            Collections.sort(runs);
            long median = runs.get(2);
            long rss = idleRss.get(how);
            row("cold start to first healthy `/health`, median of 5, " + how, millis(median) + " (runs "
                    + runs.stream().map(Benchmark::millis).toList() + ")",
                    image ? "< 1.5 s: " + (median < 1_500_000_000L ? "met" : "missed") : "");
            row("resident memory, idle, " + how, mib(rss),
                    image ? "< 300 MB: " + (rss < 300L * 1000 * 1000 ? "met" : "missed") : "");
            image = false;
        }
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /**
     * Authentication ceremonies per second and latency at each concurrency, on the embedded default and on
     * PostgreSQL + Redis, with RS256 and with ES256 tokens; then 1000 clients for 60 s on the embedded default.
     */
    private void ceremonies(GeneratedProject project, CryptoCeiling.Timings crypto, int cores) throws Exception {
        GeneratedTestClasspath classpath = GeneratedTestClasspath.of(project);
        Path es256Ring = es256Ring(project);
        Duration each = Duration.ofSeconds(Long.getLong("bench.seconds", 15));
        row("each ceremony step below", "a fresh load-tool JVM: " + WARMUP.toSeconds() + " s of warm-up (left out), then "
                + each.toSeconds() + " s measured", "");
        List<CeremonyLoad.Outcome> chart = new ArrayList<>();
        try (ProductionBackends production = new ProductionBackends(classpath)) {
            int run = 0;
            for (String backend : List.of("embedded", "PostgreSQL + Redis")) {
                for (String algorithm : List.of("RS256", "ES256")) {
                    Map<String, String> env = new HashMap<>(backend.equals("embedded") ? Map.of() : production.environment());
                    env.putAll(jvm);
                    env.put("WEBAUTHN_DATA_DIR", project.file("target/bench-data-" + run++).toString());
                    if (algorithm.equals("ES256")) {
                        env.put("WEBAUTHN_KEYS_FILE", es256Ring.toString());
                    }
                    double ceiling = crypto.ceilingPerSecond(cores, algorithm.equals("RS256"));
                    try (RunningServer server = RunningServer.start(project, env, imageJava, imageOptions)) {
                        for (int concurrency : CONCURRENCIES) {
                            CeremonyLoad.Outcome outcome = CeremonyLoad.run(classpath, server.baseUrl(),
                                    concurrency, Math.max(concurrency, 64), WARMUP, each);
                            boolean embeddedRs256 = backend.equals("embedded") && algorithm.equals("RS256");
                            if (embeddedRs256) {
                                chart.add(outcome);
                            }
                            boolean target = concurrency == 64 && embeddedRs256;
                            double ratio = outcome.perSecond() / ceiling;
                            row("ceremonies, " + backend + ", " + algorithm + " tokens, concurrency " + concurrency,
                                    describe(outcome) + String.format(", %.2f of the ceiling", ratio),
                                    target ? ">= 0.5 of the ceiling: " + (ratio >= 0.5 ? "met" : "missed") : "");
                        }
                        if (backend.equals("embedded") && algorithm.equals("RS256")) {
                            CeremonyLoad.Outcome thousand = CeremonyLoad.run(classpath, server.baseUrl(), 1000,
                                    1000, WARMUP, Duration.ofSeconds(60));
                            boolean met = thousand.errors() == 0 && thousand.p95() < 500;
                            row("1000 concurrent clients for 60 s, embedded, RS256", describe(thousand),
                                    "0 errors and p95 < 500 ms: " + (met ? "met" : "missed"));
                            long rss = server.residentBytes();
                            row("resident memory after the 1000-client run", mib(rss),
                                    "< 300 MB: " + (rss < 300L * 1000 * 1000 ? "met" : "missed"));
                            // The same clients as people use a sign-in page: each pauses between its ceremonies.
                            CeremonyLoad.Outcome paced = CeremonyLoad.run(classpath, server.baseUrl(), 1000,
                                    1000, WARMUP, Duration.ofSeconds(60), PACED);
                            row("1000 concurrent clients for 60 s, each pausing " + PACED.toSeconds()
                                    + " s on average between ceremonies", describe(paced), "");
                        }
                    }
                }
            }
        }
        LoadChart.write(LoadChart.README_CHART, String.format("Benchmark of %s on %d cores, server on Java %s: as the "
                + "image starts it, embedded, RS256 tokens, %d s warm-up then %d s per concurrency", LocalDate.now(),
                cores, ImageJvm.javaVersion(), WARMUP.toSeconds(), each.toSeconds()), chart);
    }

    private static String describe(CeremonyLoad.Outcome outcome) {
        return String.format("%.0f/s, p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms, %d errors%s",
                outcome.perSecond(), outcome.p50(), outcome.p95(), outcome.p99(), outcome.max(), outcome.errors(),
                outcome.errorKinds().isEmpty() ? "" : " (" + outcome.errorKinds() + ")");
    }

    /** A second ring with an ES256 key, made by the plugin's rotate goal (the first key of an empty ring). */
    private static Path es256Ring(GeneratedProject project) throws IOException {
        Path dir = project.file("target/bench-es256");
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path ring = dir.resolve("jwt_signing_keys.json");
        project.mvnw(BUILD, "-q", "-o", "webauthn-keys:rotate", "-Dwebauthn.keys.algorithm=ES256",
                "-Dwebauthn.keys.ringFile=" + ring, "-Dwebauthn.keys.publicKeyFile=" + dir.resolve("public-key.pem"),
                "-Dwebauthn.keys.jwksFile=" + dir.resolve("jwks.json")).assertSuccess("ES256 ring");
        return ring;
    }

    /** GET /.well-known/jwks.json with keep-alive (wrk), against the same bytes served by nginx. */
    private void jwksAgainstNginx(GeneratedProject project) throws Exception {
        requireTool("wrk");
        requireTool("nginx");
        try (RunningServer server = RunningServer.start(project, jvm, imageJava, imageOptions)) {
            String jwks = server.get("/.well-known/jwks.json").body();
            double ours = wrk(server.baseUrl() + "/.well-known/jwks.json");
            Path dir = Files.createTempDirectory("bench-nginx");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path file = dir.resolve("jwks.json");
            Files.writeString(file, jwks);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            int port = freePort();
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, "daemon off;\nworker_processes auto;\npid " + dir.resolve("nginx.pid") + ";\n"
                    + "error_log " + dir.resolve("error.log") + ";\nevents { worker_connections 1024; }\n"
                    + "http {\n  access_log off;\n  server {\n    listen 127.0.0.1:" + port + ";\n"
                    + "    location = /jwks.json { default_type application/json; alias " + file + "; }\n  }\n}\n");
            Process nginx = new ProcessBuilder("nginx", "-c", conf.toString(), "-p", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
            try {
                awaitPort(port);
                double reference = wrk("http://127.0.0.1:" + port + "/jwks.json");
                row("`/.well-known/jwks.json`, wrk -t2 -c64 -d10s keep-alive, after 5 s warm-up", String.format("%.0f req/s", ours), "");
                row("same JSON from nginx (Debian package), same run", String.format("%.0f req/s", reference), "");
                double ratio = ours / reference;
                row("JWKS throughput / nginx", String.format("%.2f", ratio), ">= 0.5: " + (ratio >= 0.5 ? "met" : "missed"));
            } finally {
                nginx.destroy();
                nginx.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Requests per second over 10 s, after 5 s of warm-up (the JIT compiles the server's hot path first). */
    private static double wrk(String url) {
        Command.run(Path.of("."), Duration.ofMinutes(1), Map.of(), List.of("wrk", "-t2", "-c64", "-d5s", url))
                .assertSuccess("wrk warm-up " + url);
        Command.Result result = Command.run(Path.of("."), Duration.ofMinutes(1), Map.of(),
                List.of("wrk", "-t2", "-c64", "-d10s", "--latency", url)).assertSuccess("wrk " + url);
        Matcher m = REQUESTS_PER_SECOND.matcher(result.output());
        assertThat(m.find()).as(result.output()).isTrue();
        assertThat(result.output()).as("wrk saw errors").doesNotContain("Non-2xx");
        return Double.parseDouble(m.group(1));
    }

    private void row(String measurement, String result, String target) {
        rows.add(new String[] {measurement, result, target});
        System.out.println("[bench] " + measurement + ": " + result + (target.isEmpty() ? "" : " (" + target + ")"));
    }

    private static String millis(long nanos) {
        return String.format("%.0f ms", nanos / 1e6);
    }

    private static String micros(double nanos) {
        return String.format("%.1f µs", nanos / 1e3);
    }

    private static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024.0));
    }

    private static void requireTool(String tool) {
        Command.Result which = Command.run(Path.of("."), Duration.ofSeconds(10), Map.of(), List.of("sh", "-c",
                "command -v " + tool));
        assertThat(which.exitCode()).as(tool + " is missing: apt-get install " + tool).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPort(int port) {
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Processes.sleep(50);
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }
}
