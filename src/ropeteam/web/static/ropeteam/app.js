// Every page: the service worker, the live client for signed-in people, the thread page,
// Thinking Together and concerns following their events, the offline page's list of what
// waits, and wiping the device at sign-out.

import { DATABASE, LiveClient, Outbox } from "./live.js";
import { wireThread } from "./chat.js";
import { wireConcerns } from "./concerns.js";
import { wireEmergencies } from "./emergencies.js";
import { wirePresence } from "./presence.js";
import { wirePush } from "./push.js";
import { wireThinking } from "./thinking.js";
import { forgetAlarms, resendAlarms, wireVisits } from "./visit.js";

const body = document.body;
const strings = JSON.parse(document.getElementById("live-strings")?.textContent || "{}");
let client = null;

if ("serviceWorker" in navigator && body.dataset.sw) {
  navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(() => {});
}

function showConnection(state) {
  const status = document.getElementById("connection");
  if (!status) return;
  status.hidden = false;
  status.dataset.state = state;
  status.textContent = strings[state.replace("-", "_")] || state;
}

async function listOutbox(live) {
  const section = document.getElementById("outbox");
  const list = document.getElementById("outbox-list");
  if (!section || !list) return;
  const entries = await live.pending();
  list.replaceChildren();
  for (const entry of entries) {
    const item = document.createElement("li");
    item.className = "card";
    item.dataset.clientId = entry.client_id;
    const text = document.createElement("p");
    text.className = "bubble__body";
    text.textContent = entry.body;
    const state = document.createElement("p");
    state.className = "bubble__state";
    state.dataset.state = entry.state;
    state.textContent = entry.state === "failed" ? strings.not_sent : strings.waiting;
    item.append(text, state);
    list.append(item);
  }
  section.hidden = entries.length === 0;
}

if ("live" in body.dataset && "indexedDB" in window && window.crypto?.subtle) {
  const outbox = new Outbox({ maxAgeSeconds: Number(body.dataset.outboxMaxAge) || 86400 });
  client = new LiveClient({ url: LiveClient.urlFor(location), outbox });
  window.ropeteamLive = client; // for the browser tests and the console; holds no secret
  client.addEventListener("connection", ({ detail }) => showConnection(detail.state));
  if (document.getElementById("thread-data")) wireThread(client, strings);
  wireEmergencies(client);
  if (document.getElementById("outbox-list")) {
    listOutbox(client);
    client.addEventListener("state", () => listOutbox(client));
  }
  client.start();
}

// Signing out forgets the outbox here too, for browsers that ignore Clear-Site-Data.
for (const form of document.querySelectorAll("form[data-sign-out]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (client) await client.shutdown();
    await Promise.race([
      Promise.all([
        new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(DATABASE);
          request.onsuccess = request.onerror = request.onblocked = resolve;
        }),
        forgetAlarms().catch(() => {}),
      ]),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    form.submit();
  });
}

if (document.getElementById("thinking-data")) wireThinking(client, strings);
if (document.getElementById("concern-data")) wireConcerns(client, strings);
if (document.querySelector("[data-presence], [data-until]")) wirePresence(client, strings);
if (document.getElementById("visit-data")) wireVisits(client, strings);
else resendAlarms();

const pushButton = document.getElementById("push-on");
if (pushButton) wirePush(pushButton, document.getElementById("push-status"), strings);
