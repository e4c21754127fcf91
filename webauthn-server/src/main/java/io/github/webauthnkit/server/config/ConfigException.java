package io.github.webauthnkit.server.config;

/** A configuration value that stops start-up; the message names the variable and the accepted form. */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
