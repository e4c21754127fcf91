package io.github.webauthnkit.server.ceremonies;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import java.io.IOException;

/**
 * The WebAuthn library's JSON forms (stored requests, options for the browser, credentials from it), written and read
 * with one mapper configured as the library configures its own (its internal {@code JacksonCodecs.json()}). The
 * library's {@code toJson}, {@code fromJson} and {@code parse...Json} helpers build a new mapper on every call, which
 * re-inspects every class each time: that was the largest cost of a ceremony after its cryptography.
 */
final class WebAuthnJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .serializationInclusion(JsonInclude.Include.NON_ABSENT)
            .defaultBase64Variant(Base64Variants.MODIFIED_FOR_URL)
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .build();
    /** Credentials are bound from the request's tree as it is, not written out as text and parsed again. */
    private static final ObjectReader ASSERTION = JSON.readerFor(new TypeReference<
            PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs>>() {
    });
    private static final ObjectReader ATTESTATION = JSON.readerFor(new TypeReference<
            PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs>>() {
    });

    private WebAuthnJson() {
    }

    /** The form a request is stored in between start and complete. */
    static String write(Object request) throws JsonProcessingException {
        return JSON.writeValueAsString(request);
    }

    static AssertionRequest readAssertionRequest(String json) throws JsonProcessingException {
        return JSON.readValue(json, AssertionRequest.class);
    }

    static PublicKeyCredentialCreationOptions readCreationOptions(String json) throws JsonProcessingException {
        return JSON.readValue(json, PublicKeyCredentialCreationOptions.class);
    }

    /** The {@code publicKey} member of the options the browser passes to {@code navigator.credentials}. */
    static JsonNode publicKeyOptions(Object options) {
        return JSON.valueToTree(options);
    }

    static PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> assertion(
            JsonNode credential) throws IOException {
        return ASSERTION.readValue(withExtensionResults(credential));
    }

    static PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> attestation(
            JsonNode credential) throws IOException {
        return ATTESTATION.readValue(withExtensionResults(credential));
    }

    /**
     * Android's Credential Manager leaves {@code clientExtensionResults} out of its assertion JSON, which the library
     * requires; no extension is asked for here, so a missing member is read as none.
     */
    private static JsonNode withExtensionResults(JsonNode credential) {
        if (credential instanceof ObjectNode object && !object.has("clientExtensionResults")) {
            ObjectNode copy = object.deepCopy();
            copy.putObject("clientExtensionResults");
            return copy;
        }
        return credential;
    }
}
