package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;
import java.util.Optional;

/**
 * Pending ceremonies between start and complete. A state is taken exactly once: of two completes with the same
 * request id, even concurrent ones, only one gets it. Each ceremony belongs to the client that started it, and a
 * client has a bounded number pending.
 */
public interface CeremonyStore extends AutoCloseable {

    /**
     * @param client the client that started the ceremony (its rate-limit key)
     * @throws PendingLimitException when the client has as many ceremonies pending as it may
     */
    void put(String requestId, String client, String state, Duration ttl);

    /** Removes and returns the state, or empty when unknown or expired; the client has one pending fewer. */
    Optional<String> take(String requestId);

    /** How many pending ceremonies this process made give way to newer ones because the store was full. */
    long evicted();

    /** Throws when the store does not answer. */
    void ping();

    @Override
    void close();
}
