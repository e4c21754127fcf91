package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.config.ServerConfig.AndroidApp;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The documents by which apps and other sites are allowed to use this relying party, built once from the
 * configuration; a document whose list is empty is not served at all (404).
 */
final class WellKnownDocuments {
    static final String ASSET_LINKS = "/.well-known/assetlinks.json";
    static final String APPLE_APP_SITE_ASSOCIATION = "/.well-known/apple-app-site-association";
    static final String RELATED_ORIGINS = "/.well-known/webauthn";

    /** Digital Asset Links relations Credential Manager checks: passkeys and passwords (sign-in credentials). */
    static final List<String> RELATIONS = List.of("delegate_permission/common.handle_all_urls",
            "delegate_permission/common.get_login_creds");

    private record Target(String namespace, @JsonProperty("package_name") String packageName,
                          @JsonProperty("sha256_cert_fingerprints") List<String> fingerprints) {
    }

    private record Statement(List<String> relation, Target target) {
    }

    private record Apps(List<String> apps) {
    }

    private record AppSiteAssociation(Apps webcredentials) {
    }

    private record Origins(List<String> origins) {
    }

    private WellKnownDocuments() {
    }

    /** @return request path to JSON bytes, for the documents this configuration has content for */
    static Map<String, byte[]> of(ServerConfig config, ObjectMapper json) {
        Map<String, byte[]> documents = new LinkedHashMap<>();
        try {
            if (!config.androidApps().isEmpty()) {
                // One statement per package, with every certificate it is signed with, in the configured order.
                Map<String, List<String>> fingerprints = config.androidApps().stream().collect(Collectors.groupingBy(
                        AndroidApp::packageName, LinkedHashMap::new,
                        Collectors.mapping(AndroidApp::fingerprint, Collectors.toList())));
                List<Statement> statements = fingerprints.entrySet().stream().map(e -> new Statement(RELATIONS,
                        new Target("android_app", e.getKey(), e.getValue()))).toList();
                documents.put(ASSET_LINKS, json.writeValueAsBytes(statements));
            }
            if (!config.iosApps().isEmpty()) {
                documents.put(APPLE_APP_SITE_ASSOCIATION,
                        json.writeValueAsBytes(new AppSiteAssociation(new Apps(config.iosApps()))));
            }
            if (!config.relatedOrigins().isEmpty()) {
                documents.put(RELATED_ORIGINS, json.writeValueAsBytes(
                        new Origins(config.relatedOrigins().stream().sorted().toList())));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return documents;
    }
}
