// Every signed-in page: emergencies and unread urgent messages addressed to me appear and go
// away live. On a `thinking` event about an emergency, or an `urgent` event, the page is read
// again and its emergencies region swapped in, so it shows exactly what a reload would (with
// the "I'm on it" or "I'll check on them" form and its CSRF token).

const KINDS = new Set(["emergency", "emergency_acknowledged"]);

export function wireEmergencies(client) {
  const region = document.getElementById("emergencies");
  if (!region || !client) return;
  let running = false;
  let again = false;

  async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const shown = fresh.getElementById("emergencies");
      if (shown && !region.contains(document.activeElement)) {
        region.replaceChildren(...shown.childNodes);
      }
    } catch {
      // Offline: the next event or reload shows it; pushes and e-mails still reach me.
    } finally {
      running = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  client.addEventListener("thinking", ({ detail }) => {
    if (KINDS.has(detail.event)) refresh();
  });
  // An urgent message unread by someone whose rope I hold: shown, taken, or read.
  client.addEventListener("urgent", () => refresh());
  // Events sent while there was no socket are not replayed: read the page again on connect.
  let connected = false;
  client.addEventListener("connection", ({ detail }) => {
    if (detail.state === "live" && connected) refresh();
    if (detail.state === "live") connected = true;
  });
}
