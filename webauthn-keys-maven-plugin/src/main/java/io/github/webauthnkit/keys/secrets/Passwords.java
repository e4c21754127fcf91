package io.github.webauthnkit.keys.secrets;

import java.security.SecureRandom;

/** Generated passwords and the rules a password file must meet. */
public final class Passwords {
    /** Generated passwords: 40 characters from 62, about 238 bits. */
    public static final int GENERATED_LENGTH = 40;
    /** Shorter passwords are reported as weak. */
    public static final int MIN_LENGTH = 24;
    /** A password drawn from fewer distinct characters than this is reported as coming from a tiny alphabet. */
    public static final int MIN_DISTINCT_CHARACTERS = 10;

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /**
     * A new password from the platform's CSPRNG. Letters and digits only, so it needs no quoting in a connection URL,
     * a shell or a Redis configuration line.
     */
    public static String generate() {
        StringBuilder password = new StringBuilder(GENERATED_LENGTH);
        for (int i = 0; i < GENERATED_LENGTH; i++) {
            password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return password.toString();
    }

    /** A password file's content without the line ending an editor may have added. */
    public static String value(String fileContent) {
        return fileContent.replaceAll("\\r?\\n$", "");
    }

    /** Why a password is too weak, or {@code null} when it meets the rules. */
    public static String weakness(String password) {
        if (password.length() < MIN_LENGTH) {
            return "is " + password.length() + " characters long; at least " + MIN_LENGTH + " are required";
        }
        long distinct = password.chars().distinct().count();
        if (distinct < MIN_DISTINCT_CHARACTERS) {
            return "uses only " + distinct + " distinct characters (a tiny alphabet); at least "
                    + MIN_DISTINCT_CHARACTERS + " are required";
        }
        return null;
    }
}
