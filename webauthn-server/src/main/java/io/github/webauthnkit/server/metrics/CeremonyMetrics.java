package io.github.webauthnkit.server.metrics;

import io.github.webauthnkit.server.ceremonies.CeremonyStore;
import io.github.webauthnkit.server.tokens.KeyRingWatcher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics of the ceremonies. Label values come from fixed sets (ceremony, step, outcome, a failure reason
 * enum), never from user input, so the number of series stays bounded.
 */
public final class CeremonyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Meters by their name and tags: looking one up in the registry on every request takes the registry's lock. */
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public CeremonyMetrics() {
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
    }

    /**
     * Measures the key ring's reloads: {@code webauthn_key_ring_reload_failures_total} and
     * {@code webauthn_key_ring_consecutive_reload_failures} (0 while the ring is read fine).
     */
    public void watch(KeyRingWatcher ring) {
        FunctionCounter.builder("webauthn_key_ring_reload_failures", ring, KeyRingWatcher::failedReloads)
                .description("Failed reloads of the key ring file").register(registry);
        Gauge.builder("webauthn_key_ring_consecutive_reload_failures", ring, KeyRingWatcher::consecutiveFailures)
                .description("Failed reloads of the key ring since the last good one").register(registry);
    }

    /**
     * Measures the ceremony store's evictions: {@code webauthn_ceremonies_evicted_total}, the unfinished ceremonies
     * this process made give way to new ones because the store was full.
     */
    public void watch(CeremonyStore store) {
        FunctionCounter.builder("webauthn_ceremonies_evicted", store, CeremonyStore::evicted)
                .description("Unfinished ceremonies that gave way to new ones in a full ceremony store")
                .register(registry);
    }

    /** @param ceremony registration, authentication or account; @param step start or complete */
    public void succeeded(String ceremony, String step, Duration took) {
        timer(ceremony, step, "success").record(took);
        if (step.equals("complete")) {
            completed(ceremony, "success");
        }
    }

    /** @param reason a bounded failure code */
    public void failed(String ceremony, String step, String reason, Duration took) {
        timer(ceremony, step, "failure").record(took);
        counters.computeIfAbsent(List.of("failure", ceremony, step, reason), k -> Counter
                .builder("webauthn_ceremony_failures_total").description("Failed ceremony steps by reason")
                .tag("ceremony", ceremony).tag("step", step).tag("reason", reason).register(registry)).increment();
        if (step.equals("complete")) {
            completed(ceremony, "failure");
        }
    }

    public void rateLimited(String scope) {
        counters.computeIfAbsent(List.of("rate", scope), k -> Counter.builder("webauthn_rate_limited_total")
                .description("Requests refused by the rate limits").tag("scope", scope).register(registry)).increment();
    }

    private void completed(String ceremony, String outcome) {
        counters.computeIfAbsent(List.of("completed", ceremony, outcome), k -> Counter
                .builder("webauthn_ceremonies_total").description("Completed ceremonies by outcome")
                .tag("ceremony", ceremony).tag("outcome", outcome).register(registry)).increment();
    }

    private Timer timer(String ceremony, String step, String outcome) {
        return timers.computeIfAbsent(List.of(ceremony, step, outcome), k -> Timer
                .builder("webauthn_ceremony_duration_seconds").description("Ceremony step latency")
                .tag("ceremony", ceremony).tag("step", step).tag("outcome", outcome)
                .publishPercentiles(0.5, 0.95, 0.99).register(registry));
    }

    public String scrape() {
        return registry.scrape();
    }
}
