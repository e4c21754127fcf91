package io.github.webauthnkit.server.api;

import io.github.webauthnkit.server.testing.SocketHttp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.webauthnkit.server.testing.ServerProcess;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a flood reports when one of its requests gets no answer: enough to tell where the answer was lost. */
class FloodTest {
    private static final String ORIGIN = "http://localhost:8443";
    private static final String LOST = "the answer was dropped on its way back";

    @Test
    void aLostAnswerStopsTheFloodAndSaysHowManyStartsTheServerHandled() {
        try (ServerProcess server = ServerProcess.start(ServerProcess.embedded(ORIGIN))) {
            // Request 30 is sent and answered, but its answer is dropped on the way back, as a closed connection would.
            AssertionError failure = catchThrowableOfType(AssertionError.class, () -> Flood.send(List.of(server), 200,
                    (to, i) -> {
                        SocketHttp.Response answer = to.get(0).post("/register/start",
                                "{\"username\": \"flood-" + i + "\"}");
                        if (i == 30) {
                            throw new UncheckedIOException(new EOFException(LOST));
                        }
                        return answer;
                    }));

            assertThat(failure).hasMessageStartingWith("request 30 of 200 got no answer (").hasRootCauseMessage(LOST);
            // The other threads stop after their requests in flight: far fewer than 200 are sent.
            Map<Integer, Integer> answered = answers(failure.getMessage());
            int came = answered.getOrDefault(200, 0);
            assertThat(answered).containsOnlyKeys(200);
            assertThat(came).isBetween(29, 100);
            // The server handled every answered request and the lost one.
            assertThat(failure.getMessage()).contains("on port " + server.port() + " still runs and handled "
                    + (came + 1) + " ceremony starts; the end of its log:");
        }
    }

    /** The {status=count} map a flood's failure names. */
    private static Map<Integer, Integer> answers(String message) {
        String map = message.substring(message.indexOf('{') + 1, message.indexOf('}'));
        return map.isEmpty() ? Map.of() : Arrays.stream(map.split(", "))
                .map(entry -> entry.split("="))
                .collect(Collectors.toMap(kv -> Integer.parseInt(kv[0]), kv -> Integer.parseInt(kv[1])));
    }
}
