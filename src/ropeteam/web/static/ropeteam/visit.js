// Field visits with script: the alarm that works without a connection (on the visit page
// and fixed on every other page while a visit is open), the visit's countdown worked out
// on the phone, and the visit page and the "Who's out now" board following `visit` events.
//
// The alarm is kept in IndexedDB (only the visit's id and when it was pressed, no words)
// until the server has answered it, and sent again on every `online` event and on a timer.
// Sending it twice is the same alarm on the server, so resending is always safe.

import { done, exists, finished, openStore, remove } from "./idb.js";
import { livePage } from "./livepage.js";

const DATABASE = "ropeteam-alarms";
const STORE = "alarms";
const RETRY_MS = 5000;
// The time left changes by itself: read the page again every so often (steps fired by the
// task worker also arrive live, through the server's event outbox).
const REFRESH_MS = 15000;

const open = () => openStore(DATABASE, STORE, "visit");

async function change(mode, act) {
  const db = await open();
  try {
    const transaction = db.transaction(STORE, mode);
    const result = await done(act(transaction.objectStore(STORE)));
    await finished(transaction);
    return result;
  } finally {
    db.close();
  }
}

const keep = (visit) => change("readwrite", (store) => store.put({ visit, pressed_at: Date.now() }));
const forget = (visit) => change("readwrite", (store) => store.delete(visit));
const waiting = async () =>
  (await exists(DATABASE)) ? change("readonly", (store) => store.getAll()) : [];

export async function forgetAlarms() {
  await remove(DATABASE);
}

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

// Post the alarm; the fresh visit page when the server took it, else null (no connection,
// a server error, or signed out: the page that comes back does not say the alarm is sent).
async function post(visit) {
  if (!navigator.onLine) return null;
  const body = new FormData();
  body.append("csrfmiddlewaretoken", csrfToken());
  try {
    const answer = await fetch(`/visits/${visit}/alarm/`, {
      method: "POST",
      body,
      credentials: "same-origin",
    });
    if (!answer.ok) return null;
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    return page.querySelector("[data-alarm-sent]") ? page : null;
  } catch {
    return null;
  }
}

// Pages other than the visit's: send whatever alarm still waits on this phone (but the one
// whose form is on the page: that form sends its own).
export async function resendAlarms({ except = null } = {}) {
  if (!("indexedDB" in window) || !csrfToken()) return;
  let pending = [];
  try {
    pending = await waiting();
  } catch {
    return;
  }
  for (const entry of pending) {
    if (entry.visit === except) continue;
    if (await post(entry.visit)) await forget(entry.visit);
  }
}

function wireAlarm(form, strings, onSent) {
  const visit = Number(form.dataset.visit);
  const status = document.getElementById(form.dataset.status || "alarm-status");
  let timer = null;
  let sending = false;

  function show(text) {
    status.textContent = text;
    delete status.dataset.alarmSent;
  }

  async function attempt() {
    if (sending) return;
    sending = true;
    try {
      const page = await post(visit);
      if (!page) {
        show(strings.alarm_waiting);
        return;
      }
      clearInterval(timer);
      timer = null;
      await forget(visit);
      onSent(page);
    } finally {
      sending = false;
    }
  }

  function keepTrying() {
    if (!timer) timer = setInterval(attempt, RETRY_MS);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // The question is answered: close it, so what the alarm is doing shows in its place.
    const question = form.querySelector("details");
    if (question) question.open = false;
    show(navigator.onLine ? strings.alarm_sending : strings.alarm_waiting);
    try {
      await keep(visit);
    } catch {
      // No IndexedDB (a private window): the timer and `online` still resend while open.
    }
    keepTrying();
    attempt();
  });
  window.addEventListener("online", attempt);
  // An alarm pressed earlier on this phone that never reached the server.
  waiting()
    .then((pending) => {
      if (pending.some((entry) => entry.visit === visit)) {
        show(strings.alarm_waiting);
        keepTrying();
        attempt();
      }
    })
    .catch(() => {});
}

// The alarm fixed on other pages: once sent, it says whom it alerted, as the visit page does.
export function wireDockAlarm(form, strings) {
  if (!("indexedDB" in window)) return;
  const status = document.getElementById(form.dataset.status);
  wireAlarm(form, strings, (page) => {
    status.textContent = page.querySelector("[data-alarm-sent]").textContent;
    status.dataset.alarmSent = "";
  });
}

// Minutes as the server words them: at least 1, rounded.
function countdownWords(strings, leftMs) {
  const n = Math.max(1, Math.round(Math.abs(leftMs) / 60000));
  const overdue = leftMs < 0;
  const key = (overdue ? "overdue_" : "minutes_left_") + (n === 1 ? "one" : "many");
  return { overdue, words: (strings[key] || "").replace("%(n)s", n) };
}

// Every [data-countdown] counts to its data-end on this phone's clock, corrected by how far
// it was from the server's when the page was made (data-now), so the time left keeps going
// and an overdue visit turns overdue while the server cannot be reached. Looked up on every
// tick: a live refresh puts new elements in place.
export function wireCountdowns(strings) {
  const skews = new WeakMap();
  function tick() {
    for (const shown of document.querySelectorAll("[data-countdown]")) {
      if (!skews.has(shown)) skews.set(shown, Date.parse(shown.dataset.now) - Date.now());
      const left = Date.parse(shown.dataset.end) - (Date.now() + skews.get(shown));
      const { overdue, words } = countdownWords(strings, left);
      if (!words || Number.isNaN(left)) continue;
      if (shown.textContent !== words) shown.textContent = words;
      shown.classList.toggle("visit-time--overdue", overdue);
      if (overdue) document.getElementById("visit-status")?.classList.add("callout--warning");
    }
  }
  if (document.querySelector("[data-countdown]")) setInterval(tick, 1000);
}

export function wireVisits(client, strings) {
  const data = JSON.parse(document.getElementById("visit-data").textContent);
  // Besides the live parts, the fresh page brings the alarm's state across.
  const { refresh, apply } = livePage({
    strings,
    notice: "visit-changed",
    words: strings.visit_changed,
    after: (fresh) => {
      const status = document.getElementById("alarm-status");
      const freshStatus = fresh.getElementById("alarm-status");
      if (status && freshStatus && "alarmSent" in freshStatus.dataset) {
        status.textContent = freshStatus.textContent;
        status.dataset.alarmSent = "";
      }
      // The visit ended (from another device): its buttons go; an alarm's news stays.
      const actions = document.getElementById("visit-actions");
      if (actions && !fresh.getElementById("visit-actions")) {
        const section = fresh.querySelector("section.alarm");
        if (section) actions.replaceWith(document.importNode(section, true));
        else actions.remove();
      }
    },
  });

  // The alarm among this visit's buttons, or (on a visit of someone else's) my own visit's.
  const form = document.getElementById("alarm-form");
  if (form && Number(form.dataset.visit) === data.visit && "indexedDB" in window) {
    wireAlarm(form, strings, apply);
  } else if (form) {
    wireDockAlarm(form, strings);
  }
  setInterval(() => {
    if (navigator.onLine && document.visibilityState === "visible") refresh();
  }, REFRESH_MS);
  if (!client) return;
  client.addEventListener("visit", ({ detail: frame }) => {
    if (data.board || frame.visit === data.visit) refresh();
  });
  client.addEventListener("connection", ({ detail }) => {
    if (detail.state === "live") refresh();
  });
}
