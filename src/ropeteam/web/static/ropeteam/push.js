// "Turn on notifications on this device" (Settings): subscribe this browser to web push and
// tell the server where to send.

function words(strings, name, values = {}) {
  return (strings[name] || name).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
}

function bytesFromBase64Url(text) {
  const base64 = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function base64Url(buffer) {
  const text = btoa(String.fromCharCode(...new Uint8Array(buffer)));
  return text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

async function subscribe(button) {
  const registration = await navigator.serviceWorker.ready;
  const answer = await fetch(button.dataset.keyUrl, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${answer.status}`);
  const { public_key: publicKey } = await answer.json();
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: bytesFromBase64Url(publicKey),
  });
  const saved = await fetch(button.dataset.subscriptionsUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({
      endpoint: subscription.endpoint,
      keys: {
        p256dh: base64Url(subscription.getKey("p256dh")),
        auth: base64Url(subscription.getKey("auth")),
      },
    }),
  });
  if (!saved.ok) throw new Error(`${saved.status}`);
}

export function wirePush(button, status, strings) {
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    status.textContent = strings.notifications_unsupported;
    return;
  }
  button.closest(".js-only").hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        status.textContent = strings.notifications_denied;
        return;
      }
      await subscribe(button);
      status.textContent = strings.notifications_on;
    } catch (error) {
      status.textContent = words(strings, "notifications_failed", { reason: error.message });
    } finally {
      button.disabled = false;
    }
  });
}
