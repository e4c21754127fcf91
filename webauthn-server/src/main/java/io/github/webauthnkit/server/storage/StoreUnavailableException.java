package io.github.webauthnkit.server.storage;

/** The database did not answer in time; requests get a 503 and the health check reports it. */
public class StoreUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
