// The page: registration, sign-in (with a username, or through passkey autofill), the signed-in view with the
// decoded token, and passkey management. The sign-in token is kept in memory and in sessionStorage (never
// localStorage): it survives a reload of this tab and leaves with it. It cannot change the account: adding, renaming
// or deleting a passkey takes a management token, which the page gets by asking for one of the account's passkeys
// again and keeps in memory only, for the few minutes it lives.
import { call, ApiError } from "./api.js";
import * as webauthn from "./webauthn.js";

const TOKEN_KEY = "webauthn.token";
const CEREMONY_BUTTONS = ["signin-button", "register-button", "add-passkey-button"];
const byId = (id) => document.getElementById(id);

let token = null;
let claims = null;
/** The management token of the latest passkey confirmation, {value, expires} (ms since the epoch), or null. */
let management = null;
let countdown = null;
let ceremoniesBlocked = false;
let conditionalMediation = false;
/** The relying party id of the latest ceremony, for the credential signals sent to the browser. */
let rpId = null;
/** The pending autofill (conditional mediation) request: {controller, refresh}, or null. */
let autofill = null;

// ---- messages ---------------------------------------------------------------------------------------------------

function status(message, kind = "info") {
  const el = byId("status");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = !message;
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401 && token) {
    signOut("Your session is no longer valid (expired or revoked); sign in again.");
    return;
  }
  const known = error instanceof ApiError || error instanceof webauthn.CeremonyError;
  status(known ? error.message : `Unexpected error: ${error && error.message ? error.message : error}`, "error");
}

function busy(on) {
  document.querySelector("main").setAttribute("aria-busy", String(on));
  for (const button of document.querySelectorAll("button")) button.disabled = on;
  if (ceremoniesBlocked) for (const id of CEREMONY_BUTTONS) byId(id).disabled = true;
}

// ---- token ------------------------------------------------------------------------------------------------------

/** Decodes one JWT part for display. This is not a verification: the services that accept the token verify it. */
function jwtPart(jwt, index) {
  return JSON.parse(new TextDecoder().decode(webauthn.base64urlToBytes(jwt.split(".")[index])));
}

function keepToken(value) {
  token = value;
  claims = jwtPart(value, 1);
  sessionStorage.setItem(TOKEN_KEY, value);
}

function forgetToken() {
  token = null;
  claims = null;
  management = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

function remaining(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// ---- passkey autofill (conditional mediation) -------------------------------------------------------------------

function stopAutofill() {
  if (!autofill) return;
  clearTimeout(autofill.refresh);
  autofill.controller.abort();
  autofill = null;
}

/**
 * Offers the passkeys saved for this site as suggestions of the username field. The request stays pending until the
 * person picks one; it is aborted before any other ceremony, since a browser runs one at a time.
 */
async function startAutofill() {
  if (!conditionalMediation || ceremoniesBlocked || token || autofill) return;
  const current = { controller: new AbortController(), refresh: null };
  const { signal } = current.controller;
  autofill = current;
  const settle = () => {
    clearTimeout(current.refresh);
    if (autofill === current) autofill = null;
  };
  try {
    const started = await call("POST", "/authenticate/start", {});
    if (signal.aborted) return;
    rpId = started.publicKey.rpId || location.hostname;
    // The server forgets a challenge after publicKey.timeout: take a fresh one shortly before.
    const lifetime = Math.max(10_000, (started.publicKey.timeout || 300_000) - 10_000);
    current.refresh = setTimeout(() => {
      if (autofill === current) {
        stopAutofill();
        startAutofill();
      }
    }, lifetime);
    const credential = await webauthn.get(started.publicKey, { mediation: "conditional", signal });
    settle();
    await finishSignIn(started.requestId, credential, "Signed in with passkey autofill.");
  } catch (error) {
    if (signal.aborted) return;
    settle();
    // Suggestions dismissed, or none to offer, are not worth a message; they are offered again when the field gets
    // focus.
    if (error.name !== "NotAllowedError") fail(error);
  }
}

// ---- ceremonies -------------------------------------------------------------------------------------------------

async function finishSignIn(requestId, credential, message) {
  let result;
  try {
    result = await call("POST", "/authenticate/complete", { requestId, credential });
  } catch (error) {
    if (error instanceof ApiError && error.code === "unknown_credential") {
      // A passkey deleted here can linger in the person's password manager: tell it to stop offering it.
      signalCredentials("signalUnknownCredential", { rpId, credentialId: credential.id });
    }
    throw error;
  }
  keepToken(result.access_token);
  status(message, "success");
  await showAccount();
}

async function signIn(username, message = "Signed in.") {
  stopAutofill();
  busy(true);
  try {
    const started = await call("POST", "/authenticate/start", username ? { username } : {});
    rpId = started.publicKey.rpId || location.hostname;
    const credential = await webauthn.get(started.publicKey);
    await finishSignIn(started.requestId, credential, message);
  } catch (error) {
    fail(error);
  } finally {
    busy(false);
  }
  startAutofill();
}

/** Both steps of a registration; a passkey added to the account goes with its management token. */
async function createPasskey(body, manage) {
  const started = await call("POST", "/register/start", body, manage);
  rpId = (started.publicKey.rp && started.publicKey.rp.id) || location.hostname;
  const credential = await webauthn.create(started.publicKey);
  await call("POST", "/register/complete", { requestId: started.requestId, credential }, manage);
}

/** Registers a new account, or, when signed in, adds a passkey to the signed-in account. */
async function register() {
  const adding = Boolean(token);
  const username = byId("username").value.trim();
  if (!adding && !username) {
    status("Enter a username to register.", "error");
    byId("username").setAttribute("aria-invalid", "true");
    byId("username").focus();
    return;
  }
  stopAutofill();
  busy(true);
  let registered = false;
  try {
    if (adding) {
      await withManagement((manage) => createPasskey({}, manage));
    } else {
      await createPasskey({ username, displayName: byId("display-name").value.trim() || username });
    }
    registered = true;
  } catch (error) {
    fail(error);
  } finally {
    busy(false);
  }
  if (adding) {
    if (registered) {
      status("Passkey added.", "success");
      await loadPasskeys();
    }
  } else if (registered) {
    status("Passkey registered. Confirm once more to sign in with it.", "success");
    await signIn(username, "Passkey registered; you are signed in.");
  } else {
    startAutofill();
  }
}

function signOut(message = "Signed out.") {
  forgetToken();
  clearInterval(countdown);
  byId("passkeys").replaceChildren();
  byId("claims").textContent = "";
  byId("account-panel").hidden = true;
  byId("auth-panel").hidden = false;
  status(message, "info");
  byId("auth-title").focus();
  startAutofill();
}

// ---- account changes --------------------------------------------------------------------------------------------

/** Whether the kept management token has more than a few seconds left. */
function keptManagementToken() {
  return Boolean(management) && management.expires - 10_000 > Date.now();
}

/**
 * A management token: the one kept while it has more than a few seconds left, else a new one from the account
 * ceremony, which asks for one of the signed-in account's passkeys (with the device's PIN or biometric).
 */
async function managementToken() {
  if (keptManagementToken()) return management.value;
  management = null;
  status("Confirm with your passkey to change your passkeys.", "info");
  const started = await call("POST", "/account/start", {}, token);
  rpId = started.publicKey.rpId || location.hostname;
  let credential;
  try {
    credential = await webauthn.get(started.publicKey);
  } catch (error) {
    if (error.name !== "NotAllowedError") throw error;
    throw new webauthn.CeremonyError(error.cause, "The confirmation with your passkey was cancelled or timed out; "
      + "nothing was changed.");
  }
  const confirmed = await call("POST", "/account/complete", { requestId: started.requestId, credential }, token);
  management = { value: confirmed.management_token, expires: Date.now() + confirmed.expires_in * 1000 };
  return management.value;
}

/**
 * Runs a change of the account with a management token. A kept token the server no longer accepts (a key revoked, a
 * clock apart) is dropped and the passkey asked for once more.
 */
async function withManagement(change) {
  const kept = keptManagementToken();
  try {
    return await change(await managementToken());
  } catch (error) {
    if (!kept || !(error instanceof ApiError) || error.status !== 401) throw error;
    management = null;
    return change(await managementToken());
  }
}

// ---- signed-in view ---------------------------------------------------------------------------------------------

async function showAccount() {
  const header = jwtPart(token, 0);
  const subject = document.createElement("code");
  subject.title = "sub: the stable user id your services should key on";
  subject.textContent = claims.sub;
  byId("signed-in-user").replaceChildren(`${claims.preferred_username} (`, subject, ")");
  byId("token-key").textContent = `${header.kid || "no kid"} (${header.alg})`;
  byId("claims").textContent = JSON.stringify(claims, null, 2);
  byId("expires-in").title = new Date(claims.exp * 1000).toLocaleString();
  byId("auth-panel").hidden = true;
  byId("account-panel").hidden = false;
  byId("account-title").focus();
  const tick = () => {
    const left = claims ? claims.exp - Math.floor(Date.now() / 1000) : 0;
    if (left <= 0) {
      signOut("Your session expired; sign in again.");
      return;
    }
    byId("expires-in").textContent = remaining(left);
  };
  clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
  await loadPasskeys();
}

async function loadPasskeys() {
  if (!token) return;
  try {
    const { credentials } = await call("GET", "/credentials", undefined, token);
    byId("passkeys").replaceChildren(...credentials.map(passkeyItem));
    // Lets the person's password manager hide passkeys this account no longer has.
    signalCredentials("signalAllAcceptedCredentials", {
      rpId, userId: claims.sub, allAcceptedCredentialIds: credentials.map((c) => c.id),
    });
  } catch (error) {
    fail(error);
  }
}

/** Best-effort WebAuthn signal (Level 3): browsers without it, or with no rpId known yet, are left alone. */
function signalCredentials(method, options) {
  if (!rpId || typeof window.PublicKeyCredential !== "function"
    || typeof PublicKeyCredential[method] !== "function") return;
  PublicKeyCredential[method](options).catch(() => {});
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

function button(label, className, ariaLabel) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = className;
  el.textContent = label;
  if (ariaLabel) el.setAttribute("aria-label", ariaLabel);
  return el;
}

function passkeyItem(passkey) {
  const item = document.createElement("li");
  item.className = "passkey";
  item.dataset.id = passkey.id;
  const name = document.createElement("span");
  name.className = "passkey-name";
  name.textContent = passkey.name;
  const rename = button("Rename", "rename secondary", `Rename ${passkey.name}`);
  rename.addEventListener("click", () => startRename(item, passkey));
  const remove = button("Delete", "delete danger", `Delete ${passkey.name}`);
  remove.addEventListener("click", () => deletePasskey(passkey));
  const meta = document.createElement("span");
  meta.className = "meta";
  const kind = passkey.backupEligible ? `synced passkey${passkey.backedUp ? ", backed up" : ""}` : "device-bound";
  const transports = passkey.transports && passkey.transports.length ? ` · ${passkey.transports.join(", ")}` : "";
  meta.textContent = `Created ${when(passkey.createdAt)} · last used ${when(passkey.lastUsedAt)} · ${kind}${transports}`;
  const actions = document.createElement("span");
  actions.className = "passkey-actions";
  actions.append(rename, remove);
  item.append(name, actions, meta);
  return item;
}

function startRename(item, passkey) {
  const form = document.createElement("form");
  form.className = "rename-form";
  const input = document.createElement("input");
  input.className = "rename-input";
  input.type = "text";
  input.value = passkey.name;
  input.maxLength = 64;
  input.autocomplete = "off";
  input.setAttribute("aria-label", `New name for ${passkey.name}`);
  const save = button("Save", "save");
  save.type = "submit";
  const cancel = button("Cancel", "cancel secondary");
  const restore = (shown) => {
    const fresh = passkeyItem(shown);
    item.replaceWith(fresh);
    fresh.querySelector("button.rename").focus();
  };
  cancel.addEventListener("click", () => restore(passkey));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") restore(passkey);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) {
      status("Enter a name for the passkey.", "error");
      input.focus();
      return;
    }
    save.disabled = true;
    try {
      const updated = await withManagement((manage) =>
        call("PATCH", `/credentials/${encodeURIComponent(passkey.id)}`, { name }, manage));
      status(`Passkey renamed to ${updated.name}.`, "success");
      restore(updated);
    } catch (error) {
      save.disabled = false;
      fail(error);
    }
  });
  form.append(input, save, cancel);
  item.replaceChildren(form);
  input.focus();
  input.select();
}

async function deletePasskey(passkey) {
  busy(true);
  try {
    await withManagement((manage) =>
      call("DELETE", `/credentials/${encodeURIComponent(passkey.id)}`, undefined, manage));
    status(`Deleted ${passkey.name}. Remove it from your device or password manager too.`, "success");
    await loadPasskeys();
    byId("passkeys-title").focus();
  } catch (error) {
    fail(error);
  } finally {
    busy(false);
  }
}

// ---- start ------------------------------------------------------------------------------------------------------

async function init() {
  byId("auth-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn(byId("username").value.trim());
  });
  byId("register-button").addEventListener("click", register);
  byId("add-passkey-button").addEventListener("click", register);
  byId("signout-button").addEventListener("click", () => signOut());
  // Suggestions dismissed or failed earlier are offered again when the person comes back to the field.
  byId("username").addEventListener("focus", () => startAutofill());
  byId("username").addEventListener("click", () => startAutofill());
  byId("username").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));

  const unsupported = webauthn.unsupportedReason();
  if (unsupported) {
    ceremoniesBlocked = true;
    busy(false);
    status(unsupported, "error");
  }
  conditionalMediation = await webauthn.conditionalMediationAvailable();

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    try {
      keepToken(saved);
      if (claims.exp * 1000 > Date.now()) {
        await showAccount();
        return;
      }
    } catch {
      // a damaged token: sign in again
    }
    forgetToken();
  }
  startAutofill();
}

init();
