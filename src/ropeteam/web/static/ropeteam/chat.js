// The thread page with script: new messages appear without a reload, the form sends
// through the live client (and its outbox), and each of my messages says where it is.

const TYPING_SHOWN_MS = 5000;

function words(strings, name, values = {}) {
  return (strings[name] || name).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
}

function clock(when) {
  const lang = document.documentElement.lang || undefined;
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(when);
}

export function wireThread(client, strings) {
  const data = JSON.parse(document.getElementById("thread-data").textContent);
  const conversation = data.conversation;
  const thread = document.getElementById("thread");
  const form = document.getElementById("send-form");
  const textarea = form.querySelector("textarea");
  const urgentBox = form.querySelector('input[name="urgent"]');
  const announcer = document.getElementById("announcer");
  const typing = document.getElementById("typing");
  let typingTimer = null;

  function announce(text) {
    announcer.textContent = text;
  }

  function bubbleFor(clientId) {
    return thread.querySelector(`li[data-client-id="${CSS.escape(clientId)}"]`);
  }

  function build({ clientId, seq, sender, body, at, mine, urgent }) {
    document.getElementById("thread-empty")?.remove();
    const li = document.createElement("li");
    li.className = mine ? "bubble bubble--mine" : "bubble";
    li.dataset.clientId = clientId;
    const meta = document.createElement("p");
    meta.className = "bubble__meta";
    const who = document.createElement("span");
    who.className = "bubble__sender";
    who.textContent = mine ? strings.you : data.names[String(sender)] || "";
    const time = document.createElement("time");
    time.dateTime = at.toISOString();
    time.textContent = clock(at);
    if (urgent) {
      // In words, not colour alone: the reader of a screen reader hears it too.
      const mark = document.createElement("strong");
      mark.className = "bubble__urgent";
      mark.textContent = strings.urgent;
      meta.append(mark, " · ");
    }
    meta.append(who, " · ", time);
    const text = document.createElement("p");
    text.className = "bubble__body";
    text.textContent = body;
    li.append(meta, text);
    if (mine) {
      const state = document.createElement("p");
      state.className = "bubble__state";
      li.append(state);
    }
    placeSeq(li, seq);
    thread.append(li);
    return li;
  }

  function placeSeq(li, seq) {
    if (!seq) return;
    li.dataset.seq = String(seq);
    li.id = `message-${seq}`;
  }

  function showState(li, state, reason) {
    const label = li.querySelector(".bubble__state");
    if (!label) return;
    li.classList.toggle("bubble--failed", state === "failed");
    label.dataset.state = state;
    if (state !== "failed") {
      label.textContent = strings[state] || state;
      li.querySelector(".bubble__actions")?.remove();
      return;
    }
    label.textContent = `${strings.not_sent}: ${reason === "too_old" ? strings.too_old : reason}`;
    if (li.querySelector(".bubble__actions")) return;
    const actions = document.createElement("p");
    actions.className = "bubble__actions";
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "button";
    copy.textContent = strings.copy;
    copy.addEventListener("click", async () => {
      const body = li.querySelector(".bubble__body").textContent;
      try {
        await navigator.clipboard.writeText(body);
      } catch {
        textarea.value = body; // no clipboard: put it back where it can be sent again
      }
      announce(strings.copied);
    });
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button--danger";
    discard.textContent = strings.discard;
    discard.addEventListener("click", async () => {
      await client.discard(li.dataset.clientId);
      li.remove();
      textarea.focus();
    });
    actions.append(copy, discard);
    li.append(actions);
  }

  client.addEventListener("message", ({ detail: frame }) => {
    if (frame.conversation !== conversation) return;
    const mine = frame.sender === client.me;
    let li = bubbleFor(frame.client_id);
    if (!li) {
      li = build({
        clientId: frame.client_id,
        seq: frame.seq,
        sender: frame.sender,
        body: frame.body,
        at: new Date(frame.sent_at),
        mine,
        urgent: frame.urgent,
      });
    }
    placeSeq(li, frame.seq);
    if (!mine) {
      typing.textContent = "";
      const name = data.names[String(frame.sender)] || "";
      const said = frame.urgent ? "new_urgent_message" : "new_message";
      announce(words(strings, said, { name, body: frame.body.slice(0, 140) }));
    }
  });

  client.addEventListener("state", ({ detail }) => {
    if (detail.conversation !== conversation) return;
    let li = bubbleFor(detail.client_id);
    if (detail.state === "replaced") {
      li?.remove();
      return;
    }
    if (!li && detail.state === "waiting") {
      li = build({
        clientId: detail.client_id,
        seq: null,
        sender: client.me,
        body: detail.body,
        at: new Date(detail.created_at),
        mine: true,
        urgent: detail.urgent,
      });
    }
    if (!li) return;
    placeSeq(li, detail.seq);
    showState(li, detail.state, detail.reason);
  });

  client.addEventListener("typing", ({ detail }) => {
    if (detail.conversation !== conversation || detail.user === client.me) return;
    typing.textContent = words(strings, "typing", { name: data.names[String(detail.user)] || "" });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (typing.textContent = ""), TYPING_SHOWN_MS);
  });

  form.addEventListener("submit", async (event) => {
    const body = textarea.value.trim();
    // Nothing written: the server's form answers in its own words.
    if (!body) return;
    event.preventDefault();
    const urgent = Boolean(urgentBox?.checked);
    textarea.value = "";
    if (urgentBox) urgentBox.checked = false; // each message is urgent only when chosen
    try {
      await client.send(conversation, body, { urgent });
    } catch {
      // Not kept on this device (storage refused): the words go back in the box, not lost.
      if (!textarea.value) textarea.value = body;
      if (urgentBox) urgentBox.checked = urgent;
    }
    textarea.focus();
  });
  textarea.addEventListener("input", () => client.typing(conversation));

  // Receipts sent while this page had no socket (before it connected, or while it was cut
  // off) are not replayed by the socket, so on every connect the marks are read over HTTP.
  client.addEventListener("connection", async ({ detail }) => {
    if (detail.state !== "live") return;
    try {
      const answer = await fetch(data.marks_url, { credentials: "same-origin" });
      const found = (await answer.json()).find((c) => c.id === conversation);
      if (!found) return;
      const marks = {};
      for (const p of found.participants) {
        // Someone who has left the team will never read it: receipts count those still in it.
        if (p.id !== client.me && p.in_team) {
          marks[p.id] = { delivered: p.last_delivered_seq, read: p.last_read_seq };
        }
      }
      client.mergeMarks(conversation, marks);
    } catch {
      // Offline again already: the next reconnect asks again.
    }
  });

  client.follow(conversation, { cursor: data.cursor, marks: data.marks, own: data.own, me: data.me });
  // What waited on this device when the page was loaded (or reloaded while offline).
  client.pending(conversation).then((entries) => {
    for (const entry of entries) {
      const li =
        bubbleFor(entry.client_id) ||
        build({
          clientId: entry.client_id,
          seq: null,
          sender: client.me,
          body: entry.body,
          at: new Date(entry.created_at),
          mine: true,
          urgent: entry.urgent,
        });
      showState(li, entry.state, entry.reason);
    }
  });
}
