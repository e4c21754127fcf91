package io.github.webauthnkit.keys.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations users write in properties: ISO-8601 ({@code PT1H}) or short forms ({@code 30s}, {@code 15m}, {@code 1h}, {@code 180d}). */
public final class Durations {
    public static final String ACCEPTED_FORMS = "ISO-8601 such as PT15M, or a number with s, m, h or d such as 30s, 15m, 1h, 180d";

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

    private Durations() {
    }

    /**
     * @param name the property name, for the error message
     * @param text the value
     * @return the positive duration
     * @throws KeyRingException naming the property, the value and the accepted forms
     */
    public static Duration parse(String name, String text) throws KeyRingException {
        String value = text == null ? "" : text.trim();
        Duration duration = null;
        Matcher m = SHORT.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            duration = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else if (value.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                duration = Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                duration = null;
            }
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new KeyRingException("Invalid duration for " + name + ": '" + text + "'. Use a positive duration, "
                    + ACCEPTED_FORMS + ".");
        }
        return duration;
    }

    /** A duration in the largest short form that is exact ({@code 180d}, {@code 36h}, {@code 90m}, {@code 45s}). */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        if (duration.getNano() != 0 || seconds <= 0) {
            return duration.toString();
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3_600 == 0) {
            return seconds / 3_600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}
