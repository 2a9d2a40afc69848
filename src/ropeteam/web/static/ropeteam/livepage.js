// Pages whose parts ([data-live-part]) follow events by reading the page again from the
// server, so they show exactly what a reload would. A part someone is writing in is left
// alone and a notice offers the latest instead. Thinking Together, visits and concerns use it.

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

// `notice`: the id of the page's hidden notice; `words`: what it says before the link.
// `reloadIf(fresh)`: the fresh page differs beyond its parts (a new section), so the whole
// page is shown again. `after(fresh)`: anything else to bring across once the parts are in.
// Returns `refresh`, which reads the page again; calls while one runs make one more run.
export function livePage({ strings, notice, words, reloadIf = () => false, after = () => {} }) {
  let running = false;
  let again = false;

  function offerLatest() {
    const shown = document.getElementById(notice);
    if (!shown || !shown.hidden) return;
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = strings.show_latest;
    shown.replaceChildren(`${words} `, link);
    shown.hidden = false;
  }

  // Put the fresh page's live parts in place of the shown ones, but not over someone's words.
  function apply(fresh) {
    for (const part of document.querySelectorAll("[data-live-part]")) {
      const replacement = fresh.getElementById(part.id);
      if (!replacement || replacement.innerHTML === part.innerHTML) continue;
      if (busy(part)) {
        offerLatest();
        continue;
      }
      part.replaceWith(document.importNode(replacement, true));
    }
    after(fresh);
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
      if (partIds(fresh) !== partIds(document) || reloadIf(fresh)) {
        if (changed(document.getElementById("main"))) offerLatest();
        else location.reload();
        return;
      }
      apply(fresh);
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

  return { refresh, apply };
}
