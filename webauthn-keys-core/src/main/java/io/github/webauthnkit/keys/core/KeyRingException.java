package io.github.webauthnkit.keys.core;

/**
 * A problem the user can fix in the project: a missing, corrupt or weak key ring, a bad parameter, an
 * unusable remote JWKS. The message says what is wrong, where, and how to fix it.
 */
public class KeyRingException extends Exception {
    private static final long serialVersionUID = 1L;

    public KeyRingException(String message) {
        super(message);
    }

    public KeyRingException(String message, Throwable cause) {
        super(message, cause);
    }
}
