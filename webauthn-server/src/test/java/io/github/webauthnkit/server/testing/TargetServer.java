package io.github.webauthnkit.server.testing;

import java.net.URI;

/**
 * The server a command-line test tool drives, and the origin its software authenticator claims. Tools that create
 * accounts refuse a server that is not on this machine unless the user passes their explicit flag.
 *
 * @param url    the server's base URL
 * @param origin the origin the authenticator puts in its client data (the server's, with localhost for loopback)
 */
public record TargetServer(String url, String origin) {

    /**
     * @param url         the base URL given by the user
     * @param origin      the origin given by the user, or null to derive it from the URL
     * @param allowRemote whether the user passed the tool's flag for servers elsewhere
     * @param flag        that flag, named in the refusal
     * @throws IllegalArgumentException when the URL is not http(s), or is remote without the flag
     */
    public static TargetServer of(String url, String origin, boolean allowRemote, String flag) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("Not an http(s) URL: " + url);
        }
        String host = uri.getHost();
        boolean local = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
        if (!local && !allowRemote) {
            throw new IllegalArgumentException("Refusing to drive " + url + ": it is not on this machine. Pass " + flag
                    + "=true if you own that server and mean it.");
        }
        String derived = scheme + "://" + (local ? "localhost" : host) + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        return new TargetServer(url.replaceAll("/+$", ""), origin == null || origin.isBlank() ? derived : origin);
    }
}
