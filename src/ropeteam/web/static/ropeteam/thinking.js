// Thinking Together pages with script. The parts of the page that change ([data-live-part])
// follow `thinking` events by reading the page again from the server, so they show exactly
// what a reload would; a part someone is writing in is left alone and a notice offers the
// latest instead. The session's timer counts down against its time budget.

const TIMER_MS = 30000;

function words(strings, name, values = {}) {
  return (strings[name] || name).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
}

// A select with no option marked selected in the page shows its first one.
function selectChanged(select) {
  const options = [...select.options];
  const marked = options.some((option) => option.defaultSelected);
  return options.some((option, index) => {
    const shown = marked ? option.defaultSelected : index === 0 && !select.multiple;
    return option.selected !== shown;
  });
}

// Fields someone has changed: reloading or replacing them would lose their words.
export function changed(root) {
  for (const field of root.querySelectorAll("input, textarea, select")) {
    if (field.type === "hidden" || field.type === "submit") continue;
    if (field.type === "radio" || field.type === "checkbox") {
      if (field.checked !== field.defaultChecked) return true;
    } else if (field.tagName === "SELECT") {
      if (selectChanged(field)) return true;
    } else if (field.value !== field.defaultValue) {
      return true;
    }
  }
  return false;
}

// A part is also left alone while someone is in one of its fields (keyboard focus).
export function busy(part) {
  const active = document.activeElement;
  const inField = active && part.contains(active) && active.matches("input, textarea, select");
  return inField || changed(part);
}

function partIds(root) {
  return [...root.querySelectorAll("[data-live-part]")].map((part) => part.id).join(" ");
}

export function wireThinking(client, strings) {
  const dataNode = document.getElementById("thinking-data");
  let data = JSON.parse(dataNode.textContent);
  let timer = null;
  let running = false;
  let again = false;

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

  function offerLatest() {
    const notice = document.getElementById("thinking-changed");
    if (!notice || !notice.hidden) return;
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = strings.show_latest;
    notice.replaceChildren(`${strings.thinking_changed} `, link);
    notice.hidden = false;
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
      const freshData = JSON.parse(fresh.getElementById("thinking-data")?.textContent || "{}");
      // A new state brings other sections (the chat, the summary): show the whole page.
      if (freshData.state !== data.state || partIds(fresh) !== partIds(document)) {
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
      const moved = freshData.step !== data.step;
      data = freshData;
      if (moved) {
        const announcer = document.getElementById("thinking-announcer");
        const heading = document.getElementById("tt-current-step");
        if (announcer && heading) announcer.textContent = heading.textContent;
      }
      startTimer();
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
