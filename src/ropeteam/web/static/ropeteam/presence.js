// Pages that show people's availability: my rope, the team board, a member's page. Each
// status on them says whose it is ([data-presence], [data-availability], [data-until]).
// A `presence` frame that says something else about someone shown makes the page read its
// live parts again (livepage.js), so who to try first stays the server's decision; frames
// that only say someone came online or went offline change nothing shown and cost nothing.
// An "until" that passes sends no frame: the page reads itself again just after it.

import { livePage } from "./livepage.js";

const AFTER_UNTIL_MS = 1000;
// The server's clock may be behind this one: while it still says "until", ask again later.
const UNTIL_NOT_YET_MS = 10000;
const LONGEST_TIMER_MS = 2 ** 31 - 1;

function instant(text) {
  if (!text) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}

// Does the page show this person otherwise than the frame says?
function differs(frame) {
  const until = instant(frame.until);
  const shown = document.querySelectorAll(`[data-presence="${Number(frame.user)}"]`);
  return [...shown].some(
    (status) =>
      status.dataset.availability !== frame.availability ||
      instant(status.dataset.until) !== until,
  );
}

export function wirePresence(client, strings) {
  let timer = null;

  const { refresh } = livePage({
    strings,
    notice: "presence-changed",
    words: strings.presence_changed,
    after: () => untilPasses(),
  });

  function untilPasses() {
    clearTimeout(timer);
    const ends = [...document.querySelectorAll("[data-until]")]
      .map((status) => instant(status.dataset.until))
      .filter((at) => at !== null);
    if (!ends.length) return;
    const left = Math.min(...ends) - Date.now();
    const wait = left >= 0 ? left + AFTER_UNTIL_MS : UNTIL_NOT_YET_MS;
    timer = setTimeout(refresh, Math.min(wait, LONGEST_TIMER_MS));
  }

  untilPasses();
  if (!client) return;
  // The client also replays the `welcome` frame's presence on every (re)connect, so what
  // changed while there was no connection is caught up here too.
  client.addEventListener("presence", ({ detail: frame }) => {
    if (differs(frame)) refresh();
  });
}
