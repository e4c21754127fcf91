package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.Processes;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The production stack with three server replicas behind the proxy: ceremonies started on one replica complete on
 * another, and the proxy spreads the requests over all three (the counts are printed). Then, under a registering load
 * through the proxy, a server replica, Redis and PostgreSQL crash in turn (their main process is killed; each restart
 * policy brings it back): every registration the stack acknowledged still signs in afterwards, and the stack is
 * healthy again without a hand. The seconds each recovery took are printed.
 */
class ResilienceStackIT {
    private static final Pattern STEP = Pattern.compile(
            "webauthn_ceremony_duration_seconds_count\\{[^}]*outcome=\"success\"[^}]*step=\"(start|complete)\"[^}]*} ([0-9.E]+)");

    @Test
    void replicasShareCeremoniesAndTheStackLosesNoAcknowledgedRegistrationThroughCrashes() throws Exception {
        GeneratedProject project = ProductionProject.prepare("stack-replicas");
        // All of this test's traffic comes from one address: lift the per-address limits it would hit at once.
        Files.writeString(project.file("docker/load-test.override.yml"), """
                services:
                  server:
                    environment:
                      WEBAUTHN_START_LIMIT_ADDRESS: "1000000/1m"
                      WEBAUTHN_REGISTRATION_LIMIT_ADDRESS: "1000000/1m"
                      WEBAUTHN_PENDING_LIMIT_ADDRESS: "1000000"
                      WEBAUTHN_RATE_LIMIT_ADDRESS: "1000000"
                """);
        try (ComposeStack stack = ComposeStack.upWith(project, "docker/load-test.override.yml",
                ProductionProject.environment(), "--scale", "server=3")) {
            HttpClient https = ProductionProject.https(project);
            List<String> replicas = stack.containers("server");
            assertThat(replicas).hasSize(3);

            List<PasskeyClient> users = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                PasskeyClient user = client(https);
                user.register("spread-" + i);
                user.signIn("spread-" + i);
                users.add(user);
            }
            Map<String, int[]> steps = new LinkedHashMap<>();
            for (String replica : replicas) {
                steps.put(replica.substring(0, 12), countSteps(stack, replica));
            }
            System.out.println("Ceremony steps per replica (start, complete): " + describe(steps));
            assertThat(steps.values()).as("every replica served ceremony steps").allMatch(c -> c[0] > 0 && c[1] > 0);
            assertThat(steps.values().stream().mapToInt(c -> c[1]).sum()).isEqualTo(24);

            Map<String, PasskeyClient> acknowledged = new ConcurrentHashMap<>();
            AtomicInteger refused = new AtomicInteger();
            AtomicBoolean loading = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(3);
            AtomicInteger next = new AtomicInteger();
            for (int t = 0; t < 3; t++) {
                load.submit(() -> {
                    while (loading.get()) {
                        String name = "load-" + next.incrementAndGet();
                        PasskeyClient user = client(https);
                        try {
                            user.register(name);
                            acknowledged.put(name, user);
                        } catch (RuntimeException | AssertionError e) {
                            refused.incrementAndGet();
                            Processes.sleep(100);
                        }
                    }
                });
            }
            Map<String, Double> recovery = new LinkedHashMap<>();
            try {
                Thread.sleep(3000);
                recovery.put("server replica", crashAndRecover(stack, replicas.get(1)));
                recovery.put("redis", crashAndRecover(stack, stack.containers("redis").get(0)));
                recovery.put("postgres", crashAndRecover(stack, stack.containers("postgres").get(0)));
                Thread.sleep(3000);
            } finally {
                loading.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            }
            System.out.printf("Recovery (kill to healthy) in seconds: %s; registrations acknowledged %d, refused during"
                    + " the outages %d%n", recovery, acknowledged.size(), refused.get());
            assertThat(acknowledged).hasSizeGreaterThan(10);

            List<String> lost = new ArrayList<>();
            acknowledged.forEach((name, user) -> {
                try {
                    signInAsAPersonWould(user, name);
                } catch (RuntimeException | AssertionError e) {
                    lost.add(name + ": " + e.getMessage());
                }
            });
            assertThat(lost).as("acknowledged registrations that no longer sign in").isEmpty();
            for (PasskeyClient user : users) {
                assertThat(signInAsAPersonWould(user, null)).as("discoverable sign-in after the crashes").isNotBlank();
            }
        }
    }

    /** Signs in, waiting out the proxy's limit on starts per address (one client here signs in for everyone). */
    private static String signInAsAPersonWould(PasskeyClient user, String name) {
        for (int attempt = 1; ; attempt++) {
            try {
                return user.signIn(name);
            } catch (AssertionError e) {
                if (attempt == 30 || !String.valueOf(e.getMessage()).contains("got 429")) {
                    throw e;
                }
                Processes.sleep(1000);
            }
        }
    }

    private static PasskeyClient client(HttpClient https) {
        return new PasskeyClient(https, ProductionProject.ORIGIN,
                new SoftwareAuthenticator(ProductionProject.ORIGIN, SoftwareAuthenticator.Algorithm.ES256));
    }

    /**
     * Kills the container's main process from the host, as a crash would ('docker kill' counts as a manual stop, which
     * restart policies leave alone), then waits for the whole stack to be healthy again.
     */
    private static double crashAndRecover(ComposeStack stack, String container) throws Exception {
        String pid = stack.docker("inspect", "--format", "{{.State.Pid}}", container).assertSuccess("inspect")
                .output().strip();
        long started = System.nanoTime();
        Command.run(Path.of("/"), Duration.ofSeconds(10), Map.of(), List.of("kill", "-9", pid)).assertSuccess("kill");
        Thread.sleep(1000);
        stack.awaitHealthy(Duration.ofMinutes(3));
        String restarts = stack.docker("inspect", "--format", "{{.RestartCount}}", container).output().strip();
        assertThat(Integer.parseInt(restarts)).as("restarted by its policy").isPositive();
        return Math.round((System.nanoTime() - started) / 1e8) / 10.0;
    }

    /** Successful ceremony steps (start, complete) a replica answered, from its own /metrics. */
    private static int[] countSteps(ComposeStack stack, String replica) {
        String port = stack.docker("exec", replica, "printenv", "WEBAUTHN_PORT").output().strip();
        String metrics = stack.docker("exec", replica, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                + " && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3").assertSuccess("metrics").output();
        int[] counts = new int[2];
        Matcher m = STEP.matcher(metrics);
        while (m.find()) {
            counts[m.group(1).equals("start") ? 0 : 1] += (int) Double.parseDouble(m.group(2));
        }
        return counts;
    }

    private static String describe(Map<String, int[]> steps) {
        StringBuilder out = new StringBuilder();
        steps.forEach((replica, c) -> out.append(replica).append(' ').append(c[0]).append('/').append(c[1]).append("; "));
        return out.toString();
    }
}
