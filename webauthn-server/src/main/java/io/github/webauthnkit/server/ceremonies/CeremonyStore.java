package io.github.webauthnkit.server.ceremonies;

import java.time.Duration;
import java.util.Optional;

/**
 * Pending ceremonies between start and complete. A state is taken exactly once: of two completes with the same
 * request id, even concurrent ones, only one gets it.
 */
public interface CeremonyStore extends AutoCloseable {

    /** @throws CeremonyException when too many ceremonies are pending */
    void put(String requestId, String state, Duration ttl);

    /** Removes and returns the state, or empty when unknown or expired. */
    Optional<String> take(String requestId);

    /** Throws when the store does not answer. */
    void ping();

    @Override
    void close();
}
