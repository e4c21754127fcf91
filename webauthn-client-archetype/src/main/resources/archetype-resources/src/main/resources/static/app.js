// The page: registration, sign-in (with a username or through passkey autofill), the signed-in view with the
// decoded token, and passkey management. The token lives in sessionStorage only: it leaves with the tab.
import { call, ApiError } from "./api.js";
import * as webauthn from "./webauthn.js";

const TOKEN_KEY = "webauthn.token";
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(TOKEN_KEY);
let countdown = null;
let autofill = null;

function status(message, kind = "info") {
  const el = $("status");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = !message;
}

function fail(error) {
  const message = error instanceof ApiError ? error.message : webauthn.describeError(error);
  status(message, "error");
}

function claimsOf(jwt) {
  const payload = jwt.split(".")[1];
  return JSON.parse(new TextDecoder().decode(webauthn.base64urlToBytes(payload)));
}

function busy(on) {
  for (const button of document.querySelectorAll("button")) button.disabled = on;
}

/** Stops the pending autofill request: a modal ceremony cannot start while it runs. */
function stopAutofill() {
  if (autofill) {
    autofill.abort();
    autofill = null;
  }
}

async function startAutofill() {
  if (token || !(await webauthn.conditionalMediationAvailable())) return;
  stopAutofill();
  const controller = new AbortController();
  autofill = controller;
  try {
    const started = await call("POST", "/authenticate/start", {});
    const credential = await webauthn.get(started.publicKey, { mediation: "conditional", signal: controller.signal });
    await finishSignIn(started.requestId, credential);
  } catch (error) {
    if (controller.signal.aborted || (error && error.name === "AbortError")) return;
    fail(error);
    if (autofill === controller) autofill = null;
  }
}

async function finishSignIn(requestId, credential) {
  const result = await call("POST", "/authenticate/complete", { requestId, credential });
  token = result.access_token;
  sessionStorage.setItem(TOKEN_KEY, token);
  status("Signed in with your passkey.", "success");
  await showAccount();
}

async function signIn(username) {
  stopAutofill();
  busy(true);
  try {
    const body = username ? { username } : {};
    const started = await call("POST", "/authenticate/start", body);
    const credential = await webauthn.get(started.publicKey);
    await finishSignIn(started.requestId, credential);
  } catch (error) {
    fail(error);
    startAutofill();
  } finally {
    busy(false);
  }
}

async function register() {
  const username = $("username").value.trim();
  if (!token && !username) {
    status("Enter a username to register.", "error");
    $("username").focus();
    return;
  }
  stopAutofill();
  busy(true);
  try {
    const body = token ? {} : { username, displayName: $("display-name").value.trim() || username };
    const started = await call("POST", "/register/start", body, token);
    const credential = await webauthn.create(started.publicKey);
    await call("POST", "/register/complete", { requestId: started.requestId, credential });
    if (token) {
      status("Passkey added.", "success");
      await loadPasskeys();
    } else {
      status("Passkey registered. Now sign in with it.", "success");
      busy(false);
      await signIn(username);
    }
  } catch (error) {
    fail(error);
    if (!token) startAutofill();
  } finally {
    busy(false);
  }
}

function signOut(message = "Signed out.") {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(countdown);
  $("account-panel").hidden = true;
  $("auth-panel").hidden = false;
  status(message, "info");
  // Autofill is armed again when the username field gets focus (or on the next page load), not right away: the
  // person may want to type a username instead.
}

async function showAccount() {
  const claims = claimsOf(token);
  $("signed-in-user").textContent = `${claims.preferred_username} (${claims.sub})`;
  $("claims").textContent = JSON.stringify(claims, null, 2);
  $("auth-panel").hidden = true;
  $("account-panel").hidden = false;
  const tick = () => {
    const left = claims.exp - Math.floor(Date.now() / 1000);
    if (left <= 0) {
      signOut("Your session expired; sign in again.");
      return;
    }
    $("expires-in").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  };
  clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
  await loadPasskeys();
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

async function loadPasskeys() {
  try {
    const { credentials } = await call("GET", "/credentials", undefined, token);
    const list = $("passkeys");
    list.replaceChildren(...credentials.map(passkeyItem));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut("Your session is no longer valid; sign in again.");
    } else {
      fail(error);
    }
  }
}

function passkeyItem(passkey) {
  const item = document.createElement("li");
  item.className = "passkey";
  item.dataset.id = passkey.id;
  const name = document.createElement("span");
  name.className = "passkey-name";
  name.textContent = passkey.name;
  const rename = document.createElement("button");
  rename.type = "button";
  rename.className = "rename secondary";
  rename.textContent = "Rename";
  rename.setAttribute("aria-label", `Rename ${passkey.name}`);
  rename.addEventListener("click", () => startRename(item, passkey));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "delete secondary";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${passkey.name}`);
  remove.addEventListener("click", () => deletePasskey(passkey));
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `created ${when(passkey.createdAt)} · last used ${when(passkey.lastUsedAt)}`
    + (passkey.backupEligible ? ` · synced passkey${passkey.backedUp ? " (backed up)" : ""}` : " · device-bound");
  item.append(name, rename, remove, meta);
  return item;
}

function startRename(item, passkey) {
  const input = document.createElement("input");
  input.className = "rename-input";
  input.value = passkey.name;
  input.maxLength = 64;
  input.setAttribute("aria-label", "New name");
  const save = document.createElement("button");
  save.type = "button";
  save.className = "save";
  save.textContent = "Save";
  const submit = async () => {
    try {
      await call("PATCH", `/credentials/${encodeURIComponent(passkey.id)}`, { name: input.value }, token);
      status("Passkey renamed.", "success");
      await loadPasskeys();
    } catch (error) {
      fail(error);
    }
  };
  save.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") submit();
    if (e.key === "Escape") loadPasskeys();
  });
  item.replaceChildren(input, save);
  input.focus();
}

async function deletePasskey(passkey) {
  try {
    await call("DELETE", `/credentials/${encodeURIComponent(passkey.id)}`, undefined, token);
    status(`Deleted ${passkey.name}.`, "success");
    await loadPasskeys();
  } catch (error) {
    fail(error);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("auth-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn($("username").value.trim());
  });
  $("register-button").addEventListener("click", register);
  $("add-passkey-button").addEventListener("click", register);
  $("signout-button").addEventListener("click", () => signOut());
  $("username").addEventListener("focus", () => {
    if (!autofill && !token) startAutofill();
  });
  if (!webauthn.supported()) {
    status("This browser does not support passkeys (WebAuthn). Use a current browser.", "error");
    busy(true);
    return;
  }
  if (token) {
    try {
      if (claimsOf(token).exp * 1000 > Date.now()) {
        await showAccount();
        return;
      }
    } catch {
      // a damaged token: sign in again
    }
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }
  startAutofill();
});
