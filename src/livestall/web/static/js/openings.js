// Paid openings on the show page: lots from the room's snapshot, buying an opening, the viewer's
// place in line (computed from the line's positions, which the room sends without names), outcomes live.
import { api, formatMoney, goLogin, pageData as data, problemText } from "./app.js";

const root = document.querySelector("[data-openings]");
const labels = JSON.parse(document.getElementById("openings-labels").textContent);
const say = (key, vars = {}) => (labels[key] || key).replace(/%\((\w+)\)s/g, (_, n) => (n in vars ? String(vars[n]) : ""));
let lots = [];
const mine = new Map(); // lot id -> my waiting positions
const queued = new Map(); // lot id -> waiting positions of everyone

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function what(outcome) {
  if (outcome.pearl_count !== undefined && outcome.pearl_count !== null) return say("pearls", { num: outcome.pearl_count });
  return outcome.summary || outcome.drawn_item || "";
}

function renderPlace() {
  const parts = [];
  for (const [lotId, positions] of mine) {
    const line = queued.get(lotId) || [];
    for (const position of positions) {
      if (!line.includes(position)) continue;
      parts.push(say("place", { place: line.filter((p) => p <= position).length }));
    }
  }
  root.querySelector("[data-openings-place]").textContent = parts.join(" · ");
}

async function buy(lot, button, status) {
  if (!data.user_id) { goLogin(); return; }
  button.disabled = true;
  // One key per tap: a retry of the same tap can never buy twice.
  const key = button.dataset.key || (button.dataset.key = crypto.randomUUID());
  const res = await api("POST", `/api/v1/openings/${lot.id}/tickets`, undefined, { "Idempotency-Key": key });
  delete button.dataset.key;
  button.disabled = false;
  if (!res.ok) { status.textContent = problemText(res.data); return; }
  mine.set(lot.id, [...(mine.get(lot.id) || []), res.data.position]);
  status.textContent = say("bought");
  renderPlace();
}

function renderLots() {
  root.hidden = lots.length === 0;
  const list = root.querySelector("[data-openings-lots]");
  list.replaceChildren(...lots.map((lot) => {
    const item = el("li", "openings-lot");
    item.append(el("h3", "", `${labels[lot.kind] || lot.kind} · ${lot.title}`));
    if (lot.description) item.append(el("p", "meta", lot.description));
    const price = el("p", "price", formatMoney(lot.price.amount_minor, lot.price.currency));
    const left = lot.status === "closed" ? say("closed") : lot.left > 0 ? say("left", { num: lot.left }) : say("sold_out");
    price.append(" ", el("span", "meta", left));
    item.append(price);
    if (lot.seed_hash) item.append(el("p", "meta fairness", lot.seed ? say("seed", { seed: lot.seed }) : say("commit", { hash: lot.seed_hash })));
    const status = el("p", "buy-result");
    status.setAttribute("role", "status");
    if (lot.status === "open" && lot.left > 0) {
      const button = el("button", "primary", say("buy"));
      button.type = "button";
      button.addEventListener("click", () => buy(lot, button, status));
      item.append(button);
    }
    item.append(status);
    return item;
  }));
  renderPlace();
}

function addResult(result) {
  const line = el("li", "", `${result.buyer_name} · ${labels[result.kind] || result.kind} · ${what(result.outcome || {}) || result.summary}`);
  root.querySelector("[data-openings-results]").prepend(line);
}

document.addEventListener("livestall:room", ({ detail: { type, data: event } }) => {
  if (type === "snapshot" && event.openings) {
    lots = event.openings.lots;
    for (const lot of lots) queued.set(lot.id, lot.queue.queued_positions);
    mine.clear();
    for (const place of event.openings.places) mine.set(place.lot_id, [...(mine.get(place.lot_id) || []), place.position]);
    renderLots();
  } else if (type === "opening.lot") {
    lots = [...lots.filter((l) => l.id !== event.id), { ...event, queue: { queued_positions: [] } }];
    renderLots();
  } else if (type === "opening.queue") {
    queued.set(event.lot_id, event.queued_positions);
    const lot = lots.find((l) => l.id === event.lot_id);
    if (lot) { lot.sold = event.sold; lot.left = event.left; }
    renderLots();
  } else if (type === "opening.result") {
    addResult(event);
  } else if (type === "opening.closed") {
    const lot = lots.find((l) => l.id === event.lot_id);
    if (lot) { lot.status = "closed"; lot.seed = event.seed; }
    mine.delete(event.lot_id);
    renderLots();
    if (event.tickets.some((t) => t.buyer_id === data.user_id)) {
      root.querySelector("[data-openings-place]").textContent = say(event.unopened === "refund" ? "refunded" : "follow_up");
    }
  }
});
