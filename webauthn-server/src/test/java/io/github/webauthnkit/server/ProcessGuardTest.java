package io.github.webauthnkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which errors end the process (here without the guard installed, so nothing exits). */
class ProcessGuardTest {
    @Test
    void outOfMemoryEndsTheProcessWhereverItShows() {
        assertThat(ProcessGuard.exitIfFatal(new OutOfMemoryError("Java heap space"))).isTrue();
        assertThat(ProcessGuard.exitIfFatal(new RuntimeException("wrapped", new OutOfMemoryError()))).isTrue();
        assertThat(ProcessGuard.exitIfFatal(new SQLException("Out of memory.", "90108", 90108))).isTrue();
    }

    @Test
    void aRequestThatOverflowsItsStackDoesNotStopTheServer() {
        assertThat(ProcessGuard.exitIfFatal(new StackOverflowError())).isFalse();
        assertThat(ProcessGuard.exitIfFatal(new IllegalStateException("wrapped", new StackOverflowError()))).isFalse();
        assertThat(ProcessGuard.exitIfFatal(new IllegalArgumentException("bad input"))).isFalse();
    }
}
