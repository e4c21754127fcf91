// Browser side of the ceremonies: JSON options in, JSON credential out. Uses the WebAuthn Level 3 JSON helpers when
// the browser has them and converts base64url itself otherwise (older browsers).

/** A failed ceremony, with a message a person understands; `name` stays the browser's (NotAllowedError, ...). */
export class CeremonyError extends Error {
  constructor(cause, message) {
    super(message, { cause });
    this.name = cause && cause.name ? cause.name : "Error";
  }
}

export function base64urlToBytes(value) {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export function bytesToBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
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

/** Why passkeys cannot work in this page, or null when they can. */
export function unsupportedReason() {
  if (!window.isSecureContext) {
    return `Passkeys need a secure page, and ${location.origin} is not one: open this site over https `
      + "(or at http://localhost during development).";
  }
  if (typeof window.PublicKeyCredential !== "function" || !navigator.credentials) {
    return "This browser does not support passkeys (WebAuthn). Use a current Chrome, Edge, Firefox or Safari.";
  }
  return null;
}

export async function conditionalMediationAvailable() {
  if (unsupportedReason() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return false;
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

export async function create(publicKeyJson) {
  try {
    return credentialJson(await navigator.credentials.create({ publicKey: creationOptions(publicKeyJson) }));
  } catch (error) {
    throw new CeremonyError(error, describe(error, publicKeyJson.rp && publicKeyJson.rp.id, "create"));
  }
}

/** @param {{mediation?: string, signal?: AbortSignal}} options */
export async function get(publicKeyJson, options = {}) {
  try {
    const credential = await navigator.credentials.get({ publicKey: requestOptions(publicKeyJson), ...options });
    if (!credential) throw new DOMException("No passkey was chosen.", "NotAllowedError");
    return credentialJson(credential);
  } catch (error) {
    throw new CeremonyError(error, describe(error, publicKeyJson.rpId, "get"));
  }
}

function describe(error, rpId, operation) {
  switch (error && error.name) {
    case "NotAllowedError":
      return operation === "create"
        ? "Registration was cancelled or timed out. Try again and confirm on your device."
        : "Sign-in was cancelled or timed out, or this device holds no passkey for that account. Try again, "
          + "or use the device where you registered.";
    case "AbortError":
      return "The passkey request was stopped before it finished. Try again.";
    case "InvalidStateError":
      return "This authenticator already holds a passkey for this account. Use a different device or security key, "
        + "or sign in with the passkey you have.";
    case "SecurityError":
      return `Origin mismatch: this page is open at ${location.origin}, but the server's passkeys belong to the `
        + `domain "${rpId || "of another site"}". Open the site at the origin the server is configured for `
        + "(WEBAUTHN_ORIGINS, on that domain), over https or at http://localhost.";
    case "NotSupportedError":
      return "No authenticator here supports what the server asks for (algorithm or passkey type). Try another "
        + "device or security key, or a current browser.";
    case "ConstraintError":
      return "This authenticator cannot meet the server's requirements (user verification or storing the passkey).";
    case "UnknownError":
      return "The authenticator reported an error. Try again, or use another device or security key.";
    case "TypeError":
      return "The server sent options this browser cannot use: " + error.message;
    default:
      return error && error.message ? error.message : String(error);
  }
}
