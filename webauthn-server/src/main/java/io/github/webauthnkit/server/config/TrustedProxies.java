package io.github.webauthnkit.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * WEBAUTHN_TRUSTED_PROXIES: the proxies whose X-Forwarded-For names the client. Each entry is an address
 * ({@code 10.0.0.5}, {@code fd00::5}), a CIDR range ({@code 10.0.0.0/8}) or a host name ({@code proxy}, as a
 * Compose service is called), which is resolved when a request arrives, at most every {@link #NAME_TTL_MILLIS}.
 */
public final class TrustedProxies {
    private static final String VARIABLE = "WEBAUTHN_TRUSTED_PROXIES";
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");
    /** How long a name's addresses are kept before the next request looks them up again. */
    static final long NAME_TTL_MILLIS = 10_000;

    private final List<String> entries;
    private final List<Range> ranges;
    private final List<Name> names;

    private TrustedProxies(List<String> entries, List<Range> ranges, List<Name> names) {
        this.entries = entries;
        this.ranges = ranges;
        this.names = names;
    }

    /** A comma list of entries; empty trusts no proxy. */
    public static TrustedProxies parse(String value) {
        List<String> entries = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        List<Range> ranges = new ArrayList<>();
        List<Name> names = new ArrayList<>();
        for (String entry : entries) {
            Optional<Range> range = Range.parse(entry);
            if (range.isPresent()) {
                ranges.add(range.get());
            } else if (ServerConfig.HOST.matcher(entry.toLowerCase(Locale.ROOT)).matches()
                    && !entry.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                names.add(new Name(entry));
            } else {
                throw new ConfigException(VARIABLE + " entry '" + entry + "' is invalid: expected an address (10.0.0.5,"
                        + " fd00::5), a CIDR range (10.0.0.0/8) or a host name (proxy).");
            }
        }
        return new TrustedProxies(entries, ranges, names);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether a connection from this address comes from a trusted proxy. */
    public boolean contains(InetAddress address) {
        byte[] bytes = unmapped(address).getAddress();
        return ranges.stream().anyMatch(r -> r.contains(bytes))
                || names.stream().anyMatch(n -> n.resolve().stream().anyMatch(a -> Arrays.equals(a, bytes)));
    }

    /**
     * An IP address written literally (no name is looked up), such as an X-Forwarded-For hop, or empty when the
     * text is not one.
     */
    public static Optional<InetAddress> literal(String text) {
        String value = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean v4 = IPV4.matcher(value).matches();
        if (!v4 && !(value.indexOf(':') >= 0 && IPV6.matcher(value).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(unmapped(InetAddress.getByName(value)));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** ::ffff:10.0.0.1 is 10.0.0.1 (the JDK already turns such a literal into an IPv4 address; a peer may not be). */
    private static InetAddress unmapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && Arrays.equals(Arrays.copyOf(b, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1})) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return address;
    }

    @Override
    public String toString() {
        return String.join(", ", entries);
    }

    /** An address, or a range of them: its first {@code bits} bits. */
    private record Range(byte[] network, int bits) {
        static Optional<Range> parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            Optional<InetAddress> parsed = literal(address);
            if (parsed.isEmpty()) {
                return Optional.empty();
            }
            byte[] bytes = parsed.get().getAddress();
            int bits = bytes.length * 8;
            if (slash >= 0) {
                String prefix = entry.substring(slash + 1);
                if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > bytes.length * 8) {
                    throw invalid(entry);
                }
                bits = Integer.parseInt(prefix);
            }
            return Optional.of(new Range(bytes, bits));
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        private static ConfigException invalid(String entry) {
            return new ConfigException(VARIABLE + " entry '" + entry + "' is invalid: a CIDR range is an address and"
                    + " a prefix length, such as 10.0.0.0/8 or fd00::/8.");
        }
    }

    /** A host name and its addresses as last looked up. */
    private static final class Name {
        private final String host;
        private volatile List<byte[]> addresses = List.of();
        private volatile long resolvedAt = Long.MIN_VALUE;

        Name(String host) {
            this.host = host.toLowerCase(Locale.ROOT);
        }

        List<byte[]> resolve() {
            long now = System.currentTimeMillis();
            if (resolvedAt != Long.MIN_VALUE && now - resolvedAt < NAME_TTL_MILLIS) {
                return addresses;
            }
            List<byte[]> fresh;
            try {
                fresh = Arrays.stream(InetAddress.getAllByName(host)).map(a -> unmapped(a).getAddress()).toList();
            } catch (UnknownHostException e) {
                fresh = List.of();
            }
            addresses = fresh;
            resolvedAt = now;
            return fresh;
        }
    }
}
