// Ropeteam's realtime client: one websocket to /ws/v1 (docs/protocol.md) and an outbox
// that keeps what the person wrote, encrypted, until the server has acknowledged it.
//
// Events (all CustomEvents on the client; `detail` as shown):
//   connection  {state: "live" | "connecting" | "offline" | "signed-out"}
//   message     the `message` frame, once per seq, in seq order per conversation
//   state       {conversation, client_id, seq, state, reason}: a message of mine changed;
//               state is "waiting", "sent", "delivered", "read" or "failed" (not sent)
//   typing      {conversation, user}
//   presence    the `presence` frame; also one per teammate in each `welcome` frame, so a
//               page catches up with what changed while there was no connection
//   thinking    the `thinking` frame
//   visit       the `visit` frame (ids, state and times of a field visit; never where)
//   concern     the `concern` frame (ids, level and state of a concern; never its words)
//   urgent      the `urgent` frame (an urgent message unread by someone whose rope I hold)

import { done, finished, remove } from "./idb.js";

export const DATABASE = "ropeteam";
const DATABASE_VERSION = 1;
const KEY_NAME = "outbox";
const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 30000;
const DEFAULT_HEARTBEAT_S = 25;
const TYPING_EVERY_MS = 3000;
const RETRY_UNAVAILABLE_MS = 5000;
const RECEIPT_DELAY_MS = 200;

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The message text waits in IndexedDB encrypted with AES-GCM under a key the page cannot
// export: a copy of the database files alone does not give the text away (docs/security.md).
export class Outbox {
  constructor({ maxAgeSeconds }) {
    this.maxAgeMs = maxAgeSeconds * 1000;
    this.db = null;
    this.cryptoKey = null;
  }

  async open() {
    if (this.db) return this.db;
    const request = indexedDB.open(DATABASE, DATABASE_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("keys");
      // Auto-increment keys keep the order things were written in: the order to resend.
      const store = db.createObjectStore("outbox", { keyPath: "order", autoIncrement: true });
      store.createIndex("client_id", "client_id", { unique: true });
    };
    this.db = await done(request);
    // Another tab deleting the database (sign-out) must not wait on this connection.
    this.db.onversionchange = () => this.close();
    return this.db;
  }

  close() {
    if (this.db) this.db.close();
    this.db = null;
  }

  static async destroy() {
    await remove(DATABASE);
  }

  async key() {
    if (this.cryptoKey) return this.cryptoKey;
    const db = await this.open();
    const stored = await done(db.transaction("keys").objectStore("keys").get(KEY_NAME));
    if (stored) return (this.cryptoKey = stored);
    const fresh = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    // Two tabs may both get here: the one that stores first wins, the other takes its key.
    const transaction = db.transaction("keys", "readwrite");
    const keys = transaction.objectStore("keys");
    let chosen = fresh;
    keys.get(KEY_NAME).onsuccess = (event) => {
      if (event.target.result) chosen = event.target.result;
      else keys.put(fresh, KEY_NAME);
    };
    await finished(transaction);
    return (this.cryptoKey = chosen);
  }

  // The client_id and conversation are bound in, so a ciphertext moved to another entry
  // does not decrypt.
  static associated(entry) {
    return new TextEncoder().encode(`${entry.conversation}:${entry.client_id}`);
  }

  async add({ conversation, body, urgent = false, clientId = newClientId(), createdAt = Date.now() }) {
    const key = await this.key();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    // `urgent` is kept beside the text, so a message resent after a reload is still urgent.
    const entry = {
      client_id: clientId,
      conversation,
      created_at: createdAt,
      status: "waiting",
      urgent: Boolean(urgent),
    };
    entry.iv = iv;
    entry.ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: Outbox.associated(entry) },
      key,
      new TextEncoder().encode(body),
    );
    const db = await this.open();
    const transaction = db.transaction("outbox", "readwrite");
    entry.order = await done(transaction.objectStore("outbox").add(entry));
    await finished(transaction);
    return entry;
  }

  async body(entry) {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: entry.iv, additionalData: Outbox.associated(entry) },
      await this.key(),
      entry.ciphertext,
    );
    return new TextDecoder().decode(plain);
  }

  async entries() {
    const db = await this.open();
    return done(db.transaction("outbox").objectStore("outbox").getAll());
  }

  async find(clientId) {
    const db = await this.open();
    const index = db.transaction("outbox").objectStore("outbox").index("client_id");
    return done(index.get(clientId));
  }

  async put(entry) {
    const db = await this.open();
    const transaction = db.transaction("outbox", "readwrite");
    transaction.objectStore("outbox").put(entry);
    await finished(transaction);
  }

  async remove(clientId) {
    const entry = await this.find(clientId);
    if (!entry) return false;
    const transaction = this.db.transaction("outbox", "readwrite");
    transaction.objectStore("outbox").delete(entry.order);
    await finished(transaction);
    return true;
  }

  isExpired(entry, now = Date.now()) {
    return now - entry.created_at > this.maxAgeMs;
  }
}

export class LiveClient extends EventTarget {
  constructor({ url, outbox }) {
    super();
    this.url = url;
    this.outbox = outbox;
    this.me = null;
    this.socket = null;
    this.welcomed = false;
    this.state = null;
    this.stopped = false;
    this.attempts = 0;
    this.after4410 = false;
    this.heartbeatMs = DEFAULT_HEARTBEAT_S * 1000;
    this.watchdog = null;
    this.retryTimer = null;
    this.cursors = new Map(); // conversation -> highest seq held
    this.marks = new Map(); // conversation -> Map(user -> {delivered, read})
    this.own = new Map(); // conversation -> Map(seq -> {client_id, state})
    this.viewing = null; // the conversation on screen, whose messages are read when visible
    this.receipts = new Map(); // conversation -> {delivered, read} not yet sent
    this.sentReceipts = new Map(); // conversation -> {delivered, read} last sent
    this.receiptTimer = null;
    this.lastTyping = new Map();
    this.resuming = new Map(); // conversation -> when its resume was asked for
    this.framed = new Set(); // client_ids sent on this connection, so each goes once
  }

  static urlFor(location) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws/v1`;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.emit("connection", { state });
  }

  // What the page already shows: where the thread stands and whose marks are where.
  follow(conversation, { cursor = 0, marks = {}, own = [], me = null } = {}) {
    if (me !== null) this.me = me;
    this.viewing = conversation;
    this.cursors.set(conversation, Math.max(cursor, this.cursors.get(conversation) ?? 0));
    const known = new Map();
    for (const [user, mark] of Object.entries(marks)) known.set(Number(user), { ...mark });
    this.marks.set(conversation, known);
    const mine = this.ownOf(conversation);
    for (const { seq, client_id: clientId } of own) {
      mine.set(seq, { client_id: clientId, state: "sent" });
    }
    this.recompute(conversation, true);
  }

  // Marks read from elsewhere (the page, the HTTP API): they only ever move forward.
  mergeMarks(conversation, marks) {
    for (const [user, mark] of Object.entries(marks)) {
      this.receipt({ conversation, user: Number(user), ...mark });
    }
  }

  ownOf(conversation) {
    if (!this.own.has(conversation)) this.own.set(conversation, new Map());
    return this.own.get(conversation);
  }

  start() {
    addEventListener("online", () => this.reconnectNow());
    addEventListener("offline", () => this.drop());
    document.addEventListener("visibilitychange", () => this.readIfVisible());
    setInterval(() => this.expireOld(), 60000);
    this.expireOld();
    this.connect();
  }

  async shutdown() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000);
    }
    this.outbox.close();
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.welcomed = false;
    this.setState("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(event.code);
    this.watch();
  }

  // No frame for two heartbeats: the connection is dead even if the socket does not say so.
  watch() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.drop(), 2 * this.heartbeatMs);
  }

  drop() {
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    if (socket) {
      socket.onclose = socket.onmessage = null;
      socket.close();
    }
    if (this.stopped) return;
    this.setState("offline");
    this.scheduleReconnect();
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.welcomed) {
      this.frame({ type: "ping" });
      return;
    }
    this.attempts = 0;
    if (this.socket) {
      this.socket.onclose = this.socket.onmessage = null;
      this.socket.close();
      this.socket = null;
    }
    this.connect();
  }

  scheduleReconnect() {
    clearTimeout(this.retryTimer);
    // Exponential backoff with full jitter, so a restarted server is not hit by everyone at once.
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** this.attempts);
    this.attempts += 1;
    this.retryTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  closed(code) {
    clearTimeout(this.watchdog);
    this.socket = null;
    this.welcomed = false;
    if (this.stopped) return;
    if (code === 4401) {
      this.stopped = true;
      this.setState("signed-out");
    } else if (code === 4403) {
      this.stopped = true;
      this.setState("offline");
    } else if (code === 4410 && !this.after4410) {
      this.after4410 = true;
      this.connect();
    } else {
      this.setState("offline");
      this.scheduleReconnect();
    }
  }

  frame(data) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(data));
    return true;
  }

  receive(raw) {
    this.watch();
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    const handler = {
      welcome: () => this.welcome(frame),
      message: () => this.message(frame),
      ack: () => this.ack(frame),
      receipt: () => this.receipt(frame),
      heartbeat: () => this.catchUp(frame.conversations),
      synced: () => this.resuming.delete(frame.conversation),
      typing: () => this.emit("typing", { conversation: frame.conversation, user: frame.user }),
      presence: () => this.emit("presence", frame),
      thinking: () => this.emit("thinking", frame),
      visit: () => this.emit("visit", frame),
      concern: () => this.emit("concern", frame),
      urgent: () => this.emit("urgent", frame),
      error: () => this.refused(frame),
    }[frame.type];
    // Frame types this client does not know are ignored (protocol.md, "Versions").
    if (handler) handler();
  }

  async welcome(frame) {
    this.me = frame.user;
    this.heartbeatMs = (frame.heartbeat || DEFAULT_HEARTBEAT_S) * 1000;
    this.watch();
    this.attempts = 0;
    this.after4410 = false;
    for (const [id, seq] of Object.entries(frame.conversations || {})) {
      // A conversation not on screen starts where the server is: nothing to catch up.
      if (!this.cursors.has(Number(id))) this.cursors.set(Number(id), seq);
    }
    this.resuming.clear();
    this.framed.clear();
    const cursors = Object.fromEntries(this.cursors);
    for (const id of this.cursors.keys()) this.resuming.set(id, Date.now());
    this.frame({ type: "resume", cursors });
    this.welcomed = true;
    this.setState("live");
    for (const mate of frame.presence || []) this.emit("presence", { type: "presence", ...mate });
    // Marks sent while the socket was down were lost; say them again.
    this.sentReceipts.clear();
    this.readIfVisible();
    this.flushReceipts();
    await this.flush();
  }

  catchUp(conversations) {
    const behind = {};
    for (const [id, seq] of Object.entries(conversations || {})) {
      const conversation = Number(id);
      const cursor = this.cursors.get(conversation);
      if (cursor === undefined) this.cursors.set(conversation, seq);
      else if (seq > cursor && !this.isResuming(conversation)) behind[id] = cursor;
    }
    this.resume(behind);
  }

  // A resume under way answers the gap already; one whose `synced` never came is given up
  // after a heartbeat, so a lost answer cannot stop the client from catching up for good.
  isResuming(conversation) {
    const asked = this.resuming.get(conversation);
    return asked !== undefined && Date.now() - asked < this.heartbeatMs;
  }

  resume(cursors) {
    if (!Object.keys(cursors).length) return;
    for (const id of Object.keys(cursors)) this.resuming.set(Number(id), Date.now());
    this.frame({ type: "resume", cursors });
  }

  message(frame) {
    const conversation = frame.conversation;
    const cursor = this.cursors.get(conversation) ?? frame.seq - 1;
    if (frame.seq <= cursor) return; // a repeat: replay overlapping live events
    if (frame.seq > cursor + 1) {
      // A live event was lost: ask for everything after what we hold, in order.
      if (!this.isResuming(conversation)) this.resume({ [conversation]: cursor });
      return;
    }
    this.cursors.set(conversation, frame.seq);
    if (frame.sender === this.me) {
      // Mine, from this device (the ack may have been lost) or another one.
      this.outbox.remove(frame.client_id).catch(() => {});
      this.ownOf(conversation).set(frame.seq, { client_id: frame.client_id, state: "sent" });
    }
    this.emit("message", frame);
    if (frame.sender === this.me) {
      this.recompute(conversation, true);
    } else {
      this.note(conversation, { delivered: frame.seq });
      this.readIfVisible();
    }
  }

  async ack(frame) {
    await this.outbox.remove(frame.client_id).catch(() => {});
    this.ownOf(frame.conversation).set(frame.seq, { client_id: frame.client_id, state: "sent" });
    this.emit("state", {
      conversation: frame.conversation,
      client_id: frame.client_id,
      seq: frame.seq,
      state: "sent",
    });
    this.recompute(frame.conversation);
  }

  receipt(frame) {
    if (frame.user === this.me) return; // my own marks, from another of my devices
    if (!this.marks.has(frame.conversation)) this.marks.set(frame.conversation, new Map());
    const known = this.marks.get(frame.conversation);
    const mark = known.get(frame.user) || { delivered: 0, read: 0 };
    if (frame.delivered !== undefined) mark.delivered = Math.max(mark.delivered, frame.delivered);
    if (frame.read !== undefined) mark.read = Math.max(mark.read, frame.read);
    known.set(frame.user, mark);
    this.recompute(frame.conversation);
  }

  // A message of mine is delivered (read) once every other participant's mark reaches it.
  recompute(conversation, announceAll = false) {
    const known = this.marks.get(conversation);
    const others = known ? [...known.values()] : [];
    const delivered = others.length ? Math.min(...others.map((m) => m.delivered)) : 0;
    const read = others.length ? Math.min(...others.map((m) => m.read)) : 0;
    for (const [seq, mine] of this.ownOf(conversation)) {
      let state = "sent";
      if (seq <= read) state = "read";
      else if (seq <= delivered) state = "delivered";
      if (state === mine.state && !announceAll) continue;
      mine.state = state;
      this.emit("state", { conversation, client_id: mine.client_id, seq, state });
    }
  }

  note(conversation, marks) {
    const pending = this.receipts.get(conversation) || {};
    for (const [name, seq] of Object.entries(marks)) {
      pending[name] = Math.max(pending[name] || 0, seq);
    }
    this.receipts.set(conversation, pending);
    clearTimeout(this.receiptTimer);
    this.receiptTimer = setTimeout(() => this.flushReceipts(), RECEIPT_DELAY_MS);
  }

  readIfVisible() {
    if (this.viewing === null || document.visibilityState !== "visible") return;
    const cursor = this.cursors.get(this.viewing) || 0;
    if (cursor > 0) this.note(this.viewing, { delivered: cursor, read: cursor });
  }

  flushReceipts() {
    if (!this.welcomed) return;
    for (const [conversation, pending] of this.receipts) {
      const sent = this.sentReceipts.get(conversation) || { delivered: 0, read: 0 };
      const frame = { type: "receipt", conversation };
      if ((pending.delivered || 0) > sent.delivered) frame.delivered = pending.delivered;
      if ((pending.read || 0) > sent.read) frame.read = pending.read;
      if (frame.delivered === undefined && frame.read === undefined) continue;
      if (this.frame(frame)) {
        this.sentReceipts.set(conversation, {
          delivered: Math.max(sent.delivered, frame.delivered || 0),
          read: Math.max(sent.read, frame.read || 0),
        });
      }
    }
    this.receipts.clear();
  }

  typing(conversation) {
    const now = Date.now();
    if (now - (this.lastTyping.get(conversation) || 0) < TYPING_EVERY_MS) return;
    if (this.frame({ type: "typing", conversation })) this.lastTyping.set(conversation, now);
  }

  // Keep the message on the device first; the socket may drop at any moment.
  async send(conversation, body, { urgent = false } = {}) {
    const entry = await this.outbox.add({ conversation, body, urgent });
    this.emit("state", {
      conversation,
      client_id: entry.client_id,
      seq: null,
      state: "waiting",
      body,
      urgent: entry.urgent,
      created_at: entry.created_at,
    });
    if (this.welcomed) this.sendFrame(conversation, entry.client_id, body, entry.urgent);
    return entry.client_id;
  }

  // What waits in the outbox for a conversation, oldest first, with its text.
  async pending(conversation) {
    const result = [];
    for (const entry of await this.outbox.entries()) {
      if (conversation !== undefined && entry.conversation !== conversation) continue;
      let body = "";
      try {
        body = await this.outbox.body(entry);
      } catch {
        continue; // a key lost with cleared storage: nothing to show or send
      }
      const expired = this.outbox.isExpired(entry);
      const failed = expired || entry.status === "failed";
      result.push({
        client_id: entry.client_id,
        conversation: entry.conversation,
        created_at: entry.created_at,
        body,
        urgent: Boolean(entry.urgent),
        state: failed ? "failed" : "waiting",
        reason: expired ? "too_old" : entry.reason || "",
      });
    }
    return result;
  }

  // Resend the outbox in order with the original client_ids; the server recognises retries.
  async flush() {
    for (const entry of await this.outbox.entries()) {
      if (!this.welcomed) return;
      if (entry.status === "failed") continue;
      if (this.outbox.isExpired(entry)) {
        await this.fail(entry, "too_old");
        continue;
      }
      let body;
      try {
        body = await this.outbox.body(entry);
      } catch {
        continue;
      }
      this.sendFrame(entry.conversation, entry.client_id, body, entry.urgent);
    }
  }

  // A message written while the outbox is being resent could otherwise go twice: harmless
  // (the server knows the client_id) but a waste of a poor connection.
  sendFrame(conversation, clientId, body, urgent = false) {
    if (this.framed.has(clientId)) return;
    const frame = { type: "send", conversation, client_id: clientId, body };
    if (urgent) frame.urgent = true;
    if (this.frame(frame)) {
      this.framed.add(clientId);
    }
  }

  async expireOld() {
    try {
      for (const entry of await this.outbox.entries()) {
        if (entry.status !== "failed" && this.outbox.isExpired(entry)) {
          await this.fail(entry, "too_old");
        }
      }
    } catch {
      // IndexedDB may be gone (signed out in another tab); nothing to expire then.
    }
  }

  async fail(entry, reason) {
    entry.status = "failed";
    entry.reason = reason;
    await this.outbox.put(entry);
    this.emit("state", {
      conversation: entry.conversation,
      client_id: entry.client_id,
      seq: null,
      state: "failed",
      reason,
    });
  }

  async discard(clientId) {
    await this.outbox.remove(clientId);
  }

  async refused(frame) {
    const entry = frame.ref ? await this.outbox.find(String(frame.ref)).catch(() => null) : null;
    if (!entry) {
      if (frame.code === "not_found" && frame.ref) this.cursors.delete(Number(frame.ref));
      return;
    }
    if (frame.code === "unavailable") {
      this.framed.delete(entry.client_id); // not stored: it may and must go again
      setTimeout(() => this.flush(), RETRY_UNAVAILABLE_MS);
    } else if (frame.code === "conflict") {
      // The id is taken elsewhere: the same text goes again under a new one.
      const body = await this.outbox.body(entry);
      await this.outbox.remove(entry.client_id);
      this.emit("state", {
        conversation: entry.conversation,
        client_id: entry.client_id,
        seq: null,
        state: "replaced",
      });
      await this.send(entry.conversation, body, { urgent: entry.urgent });
    } else {
      // invalid, not_found, malformed: sending it again as it is would fail again.
      await this.fail(entry, frame.detail || frame.code);
    }
  }
}
