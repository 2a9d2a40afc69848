// Every page: the service worker, the live client for signed-in people, the thread page,
// Thinking Together and concerns following their events, the offline page's list of what
// waits and its rope card, and wiping the device at sign-out.

import { DATABASE, LiveClient, Outbox } from "./live.js";
import { wireThread } from "./chat.js";
import { wireConcerns } from "./concerns.js";
import { wireEmergencies } from "./emergencies.js";
import { wirePresence } from "./presence.js";
import { wirePasskeys } from "./passkeys.js";
import { wirePush } from "./push.js";
import { forgetRopeCard, keepRopeCard, showRopeCard } from "./ropecard.js";
import { wireThinking } from "./thinking.js";
import {
  forgetAlarms,
  resendAlarms,
  wireCountdowns,
  wireDockAlarm,
  wireVisits,
} from "./visit.js";

const body = document.body;
const strings = JSON.parse(document.getElementById("live-strings")?.textContent || "{}");
let client = null;
// A socket that drops and comes back at once is not worth a banner; one down this long is.
const BANNER_AFTER_MS = 4000;

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

// The banner on every page while the live connection is down for more than a moment: what
// the person writes or presses now waits on the phone.
let bannerTimer = null;
function connectionBanner(state) {
  const banner = document.getElementById("connection-banner");
  if (!banner) return;
  if (state === "live") {
    clearTimeout(bannerTimer);
    bannerTimer = null;
    banner.textContent = "";
    return;
  }
  if (state === "signed-out") {
    banner.textContent = strings.signed_out;
    return;
  }
  if (bannerTimer || banner.textContent) return;
  bannerTimer = setTimeout(() => {
    bannerTimer = null;
    banner.textContent = strings.not_connected;
  }, BANNER_AFTER_MS);
}

// The "More" menu and the alarm's question close with Escape (back on their summary) and,
// for the menu, when something else on the page is clicked.
function wireMenus() {
  const menus = [...document.querySelectorAll("details[data-menu]")];
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus) {
      if (!menu.open) continue;
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    for (const menu of menus) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    }
  });
}
wireMenus();

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
  client.addEventListener("connection", ({ detail }) => {
    showConnection(detail.state);
    connectionBanner(detail.state);
  });
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
        forgetRopeCard().catch(() => {}),
      ]),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    form.submit();
  });
}

if (document.getElementById("thinking-data")) wireThinking(client, strings);
if (document.getElementById("concern-data")) wireConcerns(client, strings);
if (document.querySelector("[data-presence], [data-until]")) wirePresence(client, strings);
const alarmForm = document.getElementById("alarm-form");
if (document.getElementById("visit-data")) wireVisits(client, strings);
else if (alarmForm) wireDockAlarm(alarmForm, strings);
resendAlarms({ except: alarmForm ? Number(alarmForm.dataset.visit) : null });
wireCountdowns(strings);

// The home page hands over who to call; the offline page shows what was kept.
const ropeCard = document.getElementById("rope-card-data");
if (ropeCard && "indexedDB" in window) keepRopeCard(JSON.parse(ropeCard.textContent)).catch(() => {});
if (document.getElementById("rope-card") && "indexedDB" in window) showRopeCard().catch(() => {});

const pushButton = document.getElementById("push-on");
wirePasskeys(document);
if (pushButton) wirePush(pushButton, document.getElementById("push-status"), strings);
