// Ropeteam's service worker, served from /sw.js so its scope is the whole site.
//
// It keeps only the app shell: the stylesheet, the scripts, the icons, the manifest and the
// offline page, which holds no person's data (its rope card comes from IndexedDB, filled in by
// ropecard.js). Pages, the API and the websocket always go to the network and are never
// stored here: they may carry case content and messages (docs/security.md).
//
// Opening the app without a connection (the installed app's start URL included) is a
// navigation like any other, so it gets the offline page, not the browser's error page.

const CACHE = "ropeteam-shell-v14";
const OFFLINE = "/offline";
const SHELL = [
  OFFLINE,
  "/static/ropeteam/ropeteam.css",
  "/static/ropeteam/app.js",
  "/static/ropeteam/live.js",
  "/static/ropeteam/chat.js",
  "/static/ropeteam/push.js",
  "/static/ropeteam/passkeys.js",
  "/static/ropeteam/livepage.js",
  "/static/ropeteam/thinking.js",
  "/static/ropeteam/visit.js",
  "/static/ropeteam/concerns.js",
  "/static/ropeteam/emergencies.js",
  "/static/ropeteam/ropecard.js",
  "/static/ropeteam/icons/icon.svg",
  "/favicon.ico",
  "/manifest.webmanifest",
  "/static/ropeteam/presence.js",
  "/static/ropeteam/idb.js",
];

self.addEventListener("install", (event) => {
  // The offline page is fetched now, with the person's cookies, so it is in their language.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// The shell from the cache at once, refreshed from the network for next time.
async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => cached);
  return cached || fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network first; the page itself is never kept. Without a network: the offline page.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(OFFLINE)) || Response.error()),
    );
    return;
  }
  if (SHELL.includes(url.pathname) && url.pathname !== OFFLINE) {
    event.respondWith(fromShell(request));
  }
  // Anything else (the API, /ws/v1, other files) is left to the browser: network only.
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Ropeteam", {
      body: data.body || "",
      data: { url: data.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL(event.notification.data?.url || "/", self.location.origin);
  // A notification only ever opens this site.
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url === target.href && "focus" in w);
      return open ? open.focus() : self.clients.openWindow(target.href);
    }),
  );
});
