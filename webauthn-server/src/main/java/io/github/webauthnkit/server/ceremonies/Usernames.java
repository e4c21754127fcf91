package io.github.webauthnkit.server.ceremonies;

import java.util.Locale;
import java.util.regex.Pattern;

/** Usernames are case-insensitive (stored lower-case) so that "Alice" and "alice" are one account. */
public final class Usernames {
    private static final Pattern ALLOWED = Pattern.compile("[a-z0-9][a-z0-9._@+-]{0,63}");

    private Usernames() {
    }

    public static String normalize(String username) {
        String value = username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
        if (!ALLOWED.matcher(value).matches()) {
            throw new CeremonyException(CeremonyException.Reason.INVALID_REQUEST, "A username is 1 to 64 characters:"
                    + " letters, digits and . _ @ + - (starting with a letter or digit).");
        }
        return value;
    }

    public static String displayName(String displayName, String fallback) {
        String value = displayName == null || displayName.isBlank() ? fallback : displayName.trim();
        if (value.length() > 64 || value.chars().anyMatch(Character::isISOControl)) {
            throw new CeremonyException(CeremonyException.Reason.INVALID_REQUEST,
                    "A display name is at most 64 printable characters.");
        }
        return value;
    }

    public static String credentialName(String name) {
        String value = name == null ? "" : name.trim();
        if (value.isEmpty() || value.length() > 64 || value.chars().anyMatch(Character::isISOControl)) {
            throw new CeremonyException(CeremonyException.Reason.INVALID_REQUEST,
                    "A passkey name is 1 to 64 printable characters.");
        }
        return value;
    }
}
