// Concern pages with script: the concern, my concerns and the home screen follow `concern`
// events by reading the page again (livepage.js).

import { livePage } from "./livepage.js";

export function wireConcerns(client, strings) {
  const data = JSON.parse(document.getElementById("concern-data").textContent);
  // The chat appears once someone is added to it.
  const hasChat = (root) => !!root.getElementById("thread-data");
  const { refresh } = livePage({
    strings,
    notice: "concern-changed",
    words: strings.concern_changed,
    reloadIf: (fresh) => hasChat(fresh) !== hasChat(document),
    after: (fresh) => {
      const announcer = document.getElementById("concern-announcer");
      const state = fresh.getElementById("concern-state");
      if (announcer && state) announcer.textContent = state.textContent;
    },
  });

  if (!client) return;
  client.addEventListener("concern", ({ detail: frame }) => {
    if (data.home || data.list || frame.concern === data.concern) refresh();
  });
  // Events sent while there was no socket are not replayed: read the page on every connect.
  client.addEventListener("connection", ({ detail }) => {
    if (detail.state === "live") refresh();
  });
}
