package io.github.webauthnkit.server.ceremonies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Request ids and the ceremony state behind them. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The form {@link #random()} writes, with room for ids of other lengths. */
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");

    private Ids() {
    }

    /** 128 random bits, base64url. */
    static String random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Takes the state of a request id, once. A request id of the other ceremony is unknown here (and is used up,
     * like any request id that is presented).
     */
    static JsonNode state(CeremonyStore ceremonies, ObjectMapper json, String requestId, String ceremony) {
        if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
            throw unknown();
        }
        String state = ceremonies.take(requestId).orElseThrow(Ids::unknown);
        JsonNode node;
        try {
            node = json.readTree(state);
        } catch (IOException e) {
            throw new IllegalStateException("Stored ceremony state cannot be read", e);
        }
        if (!ceremony.equals(node.path("ceremony").asText())) {
            throw unknown();
        }
        return node;
    }

    static CeremonyException unknown() {
        return new CeremonyException(CeremonyException.Reason.UNKNOWN_REQUEST,
                "Unknown, expired or already completed requestId; start the ceremony again.");
    }

    /**
     * The first line of an exception's message, without the exception class names libraries prefix (those are noise
     * to a client and hint at the implementation). Library messages never carry secrets.
     */
    static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? "invalid input" : e.getMessage();
        String line = message.lines().findFirst().orElse("")
                .replaceAll("^([\\w$]+\\.)+[\\w$]*(Exception|Error): ", "")
                .replaceAll("`?([a-z][\\w$]*\\.)+([A-Z][\\w$]*)`?", "$2");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
