package webauthn.example;

/** A token was refused; {@code reason} is one of the contract's reason codes (see examples/README.md). */
public final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final String detail;

    public Refusal(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
        this.detail = detail;
    }

    public String reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }

    /**
     * A value taken from the token, fit to be echoed in a one-line message: quoted, control characters replaced,
     * cut to 80 characters (the values are attacker-chosen).
     */
    static String quote(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().limit(80).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.append(text.codePointCount(0, text.length()) > 80 ? "...\"" : "\"").toString();
    }
}
