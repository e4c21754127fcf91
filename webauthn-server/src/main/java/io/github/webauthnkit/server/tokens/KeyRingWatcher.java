package io.github.webauthnkit.server.tokens;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the key ring current without a restart. The ring is read and judged by webauthn-keys-core, the same rules
 * as the webauthn-keys goals that write it; a ring with a key those rules refuse (HMAC, RSA below 2048 bits, a curve
 * that does not match its algorithm) is not used. The file is polled once a second rather than watched: rotate
 * replaces it by rename, and file events do not cross bind mounts and network file systems reliably. A ring that
 * cannot be read or parsed is logged at ERROR (never its content) and the last good one stays in use; after
 * {@link #STALE_AFTER_FAILURES} failed reloads in a row the ring is {@link #stale()}, which fails the health check,
 * since a revocation written to the file is not applied.
 */
public final class KeyRingWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRingWatcher.class);

    /** Failed reloads in a row (one a second) after which the keys in use are stale. */
    public static final int STALE_AFTER_FAILURES = 3;
    /** While reloads keep failing, the ERROR is repeated once per this many failures (once a minute). */
    private static final int LOG_EVERY_FAILURES = 60;

    private final Path file;
    private final AtomicReference<KeyRing> current = new AtomicReference<>();
    private final ScheduledExecutorService poller;
    private final AtomicLong failedReloads = new AtomicLong();
    private volatile byte[] digest = new byte[0];
    private volatile int consecutiveFailures;

    private KeyRingWatcher(Path file) {
        this.file = file;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "key-ring-watcher");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Loads the ring (failing start-up if it is missing or invalid) and starts polling it. */
    public static KeyRingWatcher start(Path file) {
        KeyRingWatcher watcher = new KeyRingWatcher(file);
        try {
            watcher.reload();
        } catch (IOException | RuntimeException | KeyRingException e) {
            watcher.close();
            throw new IllegalStateException("WEBAUTHN_KEYS_FILE=" + file + " cannot be used: " + e.getMessage()
                    + ". Run './mvnw validate' (or 'mvn webauthn-keys:rotate') in the project to create the key ring.", e);
        }
        if (watcher.current.get().keys().isEmpty()) {
            watcher.close();
            throw new IllegalStateException("WEBAUTHN_KEYS_FILE=" + file + " holds no key. Run 'mvn webauthn-keys:rotate'.");
        }
        watcher.poller.scheduleWithFixedDelay(watcher::poll, 1, 1, TimeUnit.SECONDS);
        return watcher;
    }

    public KeyRing keys() {
        return current.get();
    }

    /** Reloads that failed since start-up. */
    public long failedReloads() {
        return failedReloads.get();
    }

    /** Reloads that failed since the last one that succeeded (0 while the ring is read fine). */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Whether the ring has failed to reload {@link #STALE_AFTER_FAILURES} times in a row: the keys in use may be old. */
    public boolean stale() {
        return consecutiveFailures >= STALE_AFTER_FAILURES;
    }

    private void poll() {
        try {
            reload();
            if (consecutiveFailures > 0) {
                LOG.atWarn().addKeyValue("event", "key_ring_reload_recovered")
                        .addKeyValue("failed_reloads", consecutiveFailures)
                        .log("Key ring {} is readable again after {} failed reloads", file, consecutiveFailures);
                consecutiveFailures = 0;
            }
        } catch (IOException | RuntimeException | KeyRingException e) {
            failedReloads.incrementAndGet();
            int failures = ++consecutiveFailures;
            if (failures == 1 || failures == STALE_AFTER_FAILURES || failures % LOG_EVERY_FAILURES == 0) {
                LOG.atError().addKeyValue("event", "key_ring_reload_failed").addKeyValue("failed_reloads", failures)
                        .log("Key ring {} could not be reloaded ({} times in a row); the previous keys stay in use"
                                + " and are still published, a revoked one included{}: {}", file, failures,
                                failures >= STALE_AFTER_FAILURES ? ", and /health answers 503" : "", e.getMessage());
            }
        }
    }

    private void reload() throws IOException, KeyRingException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] newDigest = sha256(bytes);
        if (Arrays.equals(newDigest, digest)) {
            return;
        }
        KeyRing keys = KeyRing.parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
        for (JWK key : keys.keys()) {
            List<String> weaknesses = KeyAlgorithm.weaknesses(key);
            if (!weaknesses.isEmpty()) {
                throw new KeyRingException("Key ring " + file + ": " + String.join("; ", weaknesses));
            }
        }
        boolean first = current.getAndSet(keys) == null;
        digest = newDigest;
        LOG.atInfo().addKeyValue("event", first ? "key_ring_loaded" : "key_ring_reloaded")
                .addKeyValue("kids", keys.keys().stream().map(k -> k.getKeyID()).toList())
                .log(first ? "Key ring loaded" : "Key ring reloaded");
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
