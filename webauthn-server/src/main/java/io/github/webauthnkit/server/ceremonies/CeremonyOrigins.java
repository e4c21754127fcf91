package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.config.ServerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.yubico.webauthn.data.ByteArray;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which origin a ceremony may come from, checked before the WebAuthn library's own (exact) origin check so that a
 * refusal names the origin: the web and related origins, and the Android apps' {@code android:apk-key-hash:} origins.
 *
 * <p>An Android origin carries only the hash of the app's signing certificate; the package that certificate may sign
 * for is bound by assetlinks.json, which Android checks before it lets an app use this RP ID. Credential Manager also
 * writes the calling package into clientDataJSON ({@code androidPackageName}); when it is there, the package and the
 * certificate must be one configured pair, so another app signed with the same certificate (the same developer's
 * other app) is refused too. Without it the certificate alone decides, as Android has already checked the pair.
 */
final class CeremonyOrigins {
    private final Set<String> accepted;
    /** An Android origin and the packages configured with that certificate. */
    private final Map<String, Set<String>> androidPackages = new HashMap<>();
    private final ObjectMapper json;

    CeremonyOrigins(ServerConfig config, ObjectMapper json) {
        this.accepted = config.ceremonyOrigins();
        this.json = json;
        config.androidApps().forEach(app -> androidPackages.computeIfAbsent(app.origin(), o -> new HashSet<>())
                .add(app.packageName()));
    }

    /** Refuses a clientDataJSON whose origin, or Android package, this server does not accept. */
    void check(ByteArray clientDataJson) {
        JsonNode clientData;
        try {
            clientData = json.readTree(clientDataJson.getBytes());
        } catch (IOException e) {
            throw new CeremonyException(CeremonyException.Reason.MALFORMED_CREDENTIAL,
                    "The clientDataJSON is not JSON.");
        }
        String origin = clientData.path("origin").asText();
        String shown = origin.length() > 120 ? origin.substring(0, 120) + "..." : origin;
        if (!accepted.contains(origin)) {
            throw refused(origin.startsWith(ServerConfig.ANDROID_ORIGIN_PREFIX)
                    ? "The Android app signing certificate of origin '" + shown + "' is not one this server accepts."
                    : "The origin '" + shown + "' is not one this server accepts.");
        }
        JsonNode packageName = clientData.get("androidPackageName");
        Set<String> packages = androidPackages.get(origin);
        if (packages != null && packageName != null && !packages.contains(packageName.asText())) {
            throw refused("This Android app is not accepted with the signing certificate of origin '" + origin + "'.");
        }
    }

    private static CeremonyException refused(String message) {
        return new CeremonyException(CeremonyException.Reason.VERIFICATION_FAILED, message);
    }
}
