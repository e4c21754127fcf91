package webauthn.example;

/** Bad usage or configuration: a missing option, an unreadable key file. The programs exit 2 on it. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
