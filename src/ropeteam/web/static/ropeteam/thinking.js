// Thinking Together pages with script. The parts of the page that change ([data-live-part])
// follow `thinking` events by reading the page again (livepage.js). The session's timer
// counts down against its time budget.

import { livePage } from "./livepage.js";

const TIMER_MS = 30000;

function words(strings, name, values = {}) {
  return (strings[name] || name).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
}

function freshData(fresh) {
  return JSON.parse(fresh.getElementById("thinking-data")?.textContent || "{}");
}

export function wireThinking(client, strings) {
  const dataNode = document.getElementById("thinking-data");
  let data = JSON.parse(dataNode.textContent);
  let timer = null;

  function startTimer() {
    clearInterval(timer);
    const shown = document.getElementById("tt-timer");
    if (!shown || !data.started_at) return;
    const ends = new Date(data.started_at).getTime() + data.budget_seconds * 1000;
    const tick = () => {
      const left = ends - Date.now();
      const minutes = Math.ceil(Math.abs(left) / 60000);
      if (left < 0) shown.textContent = words(strings, "over_time", { n: minutes });
      else if (minutes <= 1) shown.textContent = words(strings, "one_minute_left");
      else shown.textContent = words(strings, "minutes_left", { n: minutes });
    };
    tick();
    timer = setInterval(tick, TIMER_MS);
  }

  const { refresh } = livePage({
    strings,
    notice: "thinking-changed",
    words: strings.thinking_changed,
    // A new state brings other sections (the chat, the summary): show the whole page.
    reloadIf: (fresh) => freshData(fresh).state !== data.state,
    after: (fresh) => {
      const next = freshData(fresh);
      const moved = next.step !== data.step;
      data = next;
      if (moved) {
        const announcer = document.getElementById("thinking-announcer");
        const heading = document.getElementById("tt-current-step");
        if (announcer && heading) announcer.textContent = heading.textContent;
      }
      startTimer();
    },
  });

  startTimer();
  if (!client) return;
  client.addEventListener("thinking", ({ detail: frame }) => {
    if (data.home || frame.consultation === data.consultation) refresh();
  });
  // Events sent while there was no socket are not replayed: read the page on every connect.
  client.addEventListener("connection", ({ detail }) => {
    if (detail.state === "live") refresh();
  });
}
