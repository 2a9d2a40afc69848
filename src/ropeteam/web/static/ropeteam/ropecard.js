// The rope card: who to call when there is no connection.
//
// The home page hands over the signed-in person's own rope as JSON (their rope holders in
// order with their phone numbers, the duty lead, the out-of-hours number; nothing about cases,
// visits or messages). It is kept in IndexedDB under the person's id, replaced each time the
// home page loads, shown on the offline page with when it was kept, and deleted at sign-out
// (docs/security.md).

import { done, exists, finished, openStore, remove } from "./idb.js";

const DATABASE = "ropeteam-rope";
const STORE = "cards";

const open = () => openStore(DATABASE, STORE, "user");

export async function keepRopeCard(card) {
  const db = await open();
  try {
    const transaction = db.transaction(STORE, "readwrite");
    const store = transaction.objectStore(STORE);
    // One card on a device: whoever last opened their rope page here. Another person's
    // card must not be the one shown to them offline.
    store.clear();
    store.put({ ...card, saved_at: Date.now() });
    await finished(transaction);
  } finally {
    db.close();
  }
}

async function keptCard() {
  if (!(await exists(DATABASE))) return null;
  const db = await open();
  try {
    const cards = await done(db.transaction(STORE).objectStore(STORE).getAll());
    return cards.sort((a, b) => b.saved_at - a.saved_at)[0] || null;
  } finally {
    db.close();
  }
}

export async function forgetRopeCard() {
  await remove(DATABASE);
}

// "14:02" today, "Thu 3 Dec, 14:02" on another day: in the page's language, on the phone's clock.
function when(savedAt) {
  const then = new Date(savedAt);
  const today = then.toDateString() === new Date().toDateString();
  const clock = { hour: "2-digit", minute: "2-digit" };
  const options = today ? clock : { weekday: "short", day: "numeric", month: "short", ...clock };
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(then);
}

function fill(words, values) {
  return words.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

function personCard(template, person, tag) {
  const card = template.content.firstElementChild.cloneNode(true);
  const item = document.createElement(tag);
  item.className = card.className;
  item.replaceChildren(...card.childNodes);
  item.querySelector(".person__name").textContent = person.name;
  for (const name of item.querySelectorAll("[data-name]")) name.textContent = ` ${person.name}`;
  if (person.dial) {
    item.querySelector("[data-number]").textContent = person.phone;
    item.querySelector("[data-call]").href = `tel:${person.dial}`;
    item.querySelector("[data-text]").href = `sms:${person.dial}`;
  } else {
    item.querySelector("[data-phone]").remove();
    item.querySelector("[data-no-phone]").hidden = false;
  }
  return item;
}

// Fill in the offline page's rope card from what this device kept, if anything.
export async function showRopeCard() {
  const section = document.getElementById("rope-card");
  const card = await keptCard();
  if (!section || !card) return;
  const person = document.getElementById("rope-card-person");
  const asOf = document.getElementById("rope-card-as-of");
  asOf.textContent = fill(asOf.dataset.words, {
    name: card.worker,
    team: card.team,
    time: when(card.saved_at),
  });
  const holders = document.getElementById("rope-card-holders");
  holders.replaceChildren(...card.holders.map((holder) => personCard(person, holder, "li")));
  document.getElementById("rope-card-nobody").hidden = card.holders.length > 0;
  const duty = document.getElementById("rope-card-duty");
  duty.replaceChildren(...(card.duty_lead ? [personCard(person, card.duty_lead, "div")] : []));
  document.getElementById("rope-card-no-duty").hidden = Boolean(card.duty_lead);
  const outOfHours = document.getElementById("rope-card-out-of-hours");
  if (card.out_of_hours?.text) {
    const contact = outOfHours.querySelector(".rope-card__contact");
    contact.textContent = card.out_of_hours.text;
    if (card.out_of_hours.dial) {
      const call = document.getElementById("rope-card-call").content.firstElementChild;
      const link = call.cloneNode(true);
      link.href = `tel:${card.out_of_hours.dial}`;
      link.querySelector("[data-number]").textContent = card.out_of_hours.text;
      contact.replaceChildren(link);
    }
    outOfHours.hidden = false;
  }
  section.hidden = false;
}
