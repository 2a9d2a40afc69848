// Concern pages with script: the concern, my concerns and the home screen follow `concern`
// events by reading the page again, as thinking.js does; a part someone is writing in is
// left alone and a notice offers the latest instead.

import { busy, changed } from "./thinking.js";

export function wireConcerns(client, strings) {
  const data = JSON.parse(document.getElementById("concern-data").textContent);
  let running = false;
  let again = false;

  function offerLatest() {
    const notice = document.getElementById("concern-changed");
    if (!notice || !notice.hidden) return;
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = strings.show_latest;
    notice.replaceChildren(`${strings.concern_changed} `, link);
    notice.hidden = false;
  }

  function announce(fresh) {
    const announcer = document.getElementById("concern-announcer");
    const state = fresh.getElementById("concern-state");
    if (announcer && state) announcer.textContent = state.textContent;
  }

  async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const answer = await fetch(location.pathname, { credentials: "same-origin" });
      if (!answer.ok) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const parts = (root) => [...root.querySelectorAll("[data-live-part]")].map((p) => p.id);
      // The chat appears once someone is added to it: show the whole page.
      const chat = (root) => !!root.getElementById("thread-data");
      if (parts(fresh).join(" ") !== parts(document).join(" ") || chat(fresh) !== chat(document)) {
        if (changed(document.getElementById("main"))) offerLatest();
        else location.reload();
        return;
      }
      for (const part of document.querySelectorAll("[data-live-part]")) {
        const replacement = fresh.getElementById(part.id);
        if (!replacement || replacement.innerHTML === part.innerHTML) continue;
        if (busy(part)) {
          offerLatest();
          continue;
        }
        part.replaceWith(document.importNode(replacement, true));
      }
      announce(fresh);
    } catch {
      // Offline: the next connection reads the page again.
    } finally {
      running = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  if (!client) return;
  client.addEventListener("concern", ({ detail: frame }) => {
    if (data.home || data.list || frame.concern === data.concern) refresh();
  });
  // Events sent while there was no socket are not replayed: read the page on every connect.
  client.addEventListener("connection", ({ detail }) => {
    if (detail.state === "live") refresh();
  });
}
