// Passkeys: adding one on Security, and signing in with one (alone, or as the second step).
// The server's options are JSON with base64url strings; WebAuthn takes and gives
// ArrayBuffers. Nothing here checks anything: the server verifies every answer.

function toBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
}

function toText(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((c) => ({ ...c, id: toBuffer(c.id) }));
}

function creation(options) {
  return {
    ...options,
    challenge: toBuffer(options.challenge),
    user: { ...options.user, id: toBuffer(options.user.id) },
    excludeCredentials: withIds(options.excludeCredentials),
  };
}

function request(options) {
  return {
    ...options,
    challenge: toBuffer(options.challenge),
    allowCredentials: withIds(options.allowCredentials),
  };
}

function answer(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toText(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toText(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toText(r.authenticatorData);
    response.signature = toText(r.signature);
    if (r.userHandle) response.userHandle = toText(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

function csrfToken(root) {
  return root.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

async function post(root, url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(root) },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, data };
}

async function run(root) {
  const status = root.querySelector("[data-passkey-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  const registering = root.dataset.passkey === "register";
  say(root.dataset.waiting || "");
  const begun = await post(root, root.dataset.optionsUrl, {});
  if (!begun.ok) return say(begun.data.error || root.dataset.failed);
  let credential;
  try {
    credential = registering
      ? await navigator.credentials.create({ publicKey: creation(begun.data.options) })
      : await navigator.credentials.get({ publicKey: request(begun.data.options) });
  } catch {
    return say(root.dataset.cancelled || root.dataset.failed);
  }
  const body = { credential: answer(credential), next: root.dataset.next || "" };
  const name = root.querySelector("input[name=name]");
  if (name) body.name = name.value;
  const done = await post(root, root.dataset.url, body);
  if (!done.ok) return say(done.data.error || root.dataset.failed);
  window.location.assign(done.data.redirect);
}

export function wirePasskeys(document) {
  if (!window.PublicKeyCredential) return;
  for (const root of document.querySelectorAll("[data-passkey]")) {
    const form = root.tagName === "FORM" ? root : root.querySelector("form");
    root.hidden = false;
    const start = (event) => {
      event.preventDefault();
      run(root);
    };
    if (form) form.addEventListener("submit", start);
    else root.querySelector("button")?.addEventListener("click", start);
  }
}
