package io.github.webauthnkit.server.ceremonies;

/**
 * A ceremony refused for something the client sent. The reason is a bounded set (it labels metrics); the message is
 * safe to show and never tells whether a username exists.
 */
public class CeremonyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a ceremony failed, with the HTTP status it maps to. */
    public enum Reason {
        INVALID_REQUEST(400),
        UNKNOWN_REQUEST(400),
        MALFORMED_CREDENTIAL(400),
        VERIFICATION_FAILED(400),
        UNKNOWN_CREDENTIAL(400),
        COUNTER_REGRESSION(400),
        ALREADY_REGISTERED(409),
        USERNAME_UNAVAILABLE(409),
        TOO_MANY_PASSKEYS(409);

        private final int status;

        Reason(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }

        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;
    private final String username;

    public CeremonyException(Reason reason, String message) {
        this(reason, message, null);
    }

    private CeremonyException(Reason reason, String message, String username) {
        super(message);
        this.reason = reason;
        this.username = username;
    }

    /** The same refusal, naming the account the ceremony was started for (it counts towards that account's limit). */
    public CeremonyException forUsername(String name) {
        return new CeremonyException(reason, getMessage(), name);
    }

    public Reason reason() {
        return reason;
    }

    /** The username the ceremony was started with, or {@code null}. */
    public String username() {
        return username;
    }
}
