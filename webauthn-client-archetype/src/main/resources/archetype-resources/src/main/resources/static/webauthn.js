// Browser side of the ceremonies: JSON options in, JSON credential out. Uses the WebAuthn Level 3 JSON helpers when
// the browser has them and converts base64url itself otherwise.

export function base64urlToBytes(value) {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export function bytesToBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withCredentialIds(list) {
  return (list || []).map((c) => ({ ...c, id: base64urlToBytes(c.id) }));
}

function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: base64urlToBytes(json.challenge),
    user: { ...json.user, id: base64urlToBytes(json.user.id) },
    excludeCredentials: withCredentialIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return { ...json, challenge: base64urlToBytes(json.challenge), allowCredentials: withCredentialIds(json.allowCredentials) };
}

function credentialJson(credential) {
  if (typeof credential.toJSON === "function") {
    return credential.toJSON();
  }
  const r = credential.response;
  const response = { clientDataJSON: bytesToBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = bytesToBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = bytesToBase64url(r.authenticatorData);
    response.signature = bytesToBase64url(r.signature);
    if (r.userHandle) response.userHandle = bytesToBase64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: bytesToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

export function supported() {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

export async function conditionalMediationAvailable() {
  return supported() && typeof PublicKeyCredential.isConditionalMediationAvailable === "function"
    && (await PublicKeyCredential.isConditionalMediationAvailable());
}

export async function create(publicKeyJson) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(publicKeyJson) });
  return credentialJson(credential);
}

/** @param {{mediation?: string, signal?: AbortSignal}} options */
export async function get(publicKeyJson, options = {}) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(publicKeyJson), ...options });
  return credentialJson(credential);
}

/** A message a person understands, for the errors browsers raise during ceremonies. */
export function describeError(error) {
  switch (error && error.name) {
    case "NotAllowedError":
      return "The passkey request was cancelled or timed out. Try again and confirm on your device.";
    case "AbortError":
      return "The passkey request was cancelled.";
    case "InvalidStateError":
      return "This authenticator already holds a passkey for this account. Use another one, or sign in.";
    case "SecurityError":
      return `This page's origin (${location.origin}) does not match the server's relying party or allowed origins.`
        + " Open the site at its configured address.";
    case "NotSupportedError":
      return "No supported authenticator is available: this browser or device cannot create or use passkeys here.";
    default:
      return error && error.message ? error.message : String(error);
  }
}
