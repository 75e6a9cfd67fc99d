// Paid openings on the show page: lots from the room's snapshot, buying an opening, the viewer's own
// place in line (sent to this viewer alone in `opening.place` frames, and kept current from the line's
// positions, which the room sends without names), outcomes live.
import { api, formatMoney, goLogin, pageData as data, problemText } from "./app.js";
import { verifyLot } from "./openings_verify.js";

const root = document.querySelector("[data-openings]");
const labels = JSON.parse(document.getElementById("openings-labels").textContent);
const say = (key, vars = {}) => (labels[key] || key).replace(/%\((\w+)\)s/g, (_, n) => (n in vars ? String(vars[n]) : ""));
let lots = [];
const mine = new Map(); // lot id -> my waiting tickets: [{position, place}]
const queued = new Map(); // lot id -> waiting positions of everyone
const checks = new Map(); // lot id -> its "Verify this draw" panel, kept across renders so an open one stays open

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

// The line moved (a room event): recompute my places from everyone's positions. A ticket past the event's `sold`
// was bought after the event was made (its private frame comes at once, the room's event with the next tick, so
// it can overtake an older one): it keeps the place its own frame gave.
function replace(lotId, sold = Infinity) {
  const line = queued.get(lotId) || [];
  const kept = (mine.get(lotId) || []).filter((t) => line.includes(t.position) || t.position > sold);
  mine.set(lotId, kept.map((t) => (line.includes(t.position)
    ? { position: t.position, place: line.filter((p) => p <= t.position).length } : t)));
}

function renderPlace() {
  const places = [...mine.values()].flat().map((t) => t.place);
  root.querySelector("[data-openings-place]").textContent = !places.length ? ""
    : places.length === 1 ? say("place", { place: places[0] }) : say("places", { places: places.join(" · ") });
}

async function buy(lot, button, status) {
  if (!data.user_id) { goLogin(); return; }
  button.disabled = true;
  // One key per tap: a retry of the same tap can never buy twice.
  const key = button.dataset.key || (button.dataset.key = crypto.randomUUID());
  const res = await api("POST", `/api/v1/openings/${lot.id}/tickets`, undefined, { "Idempotency-Key": key });
  delete button.dataset.key;
  button.disabled = false;
  if (!res.ok) {
    const rule = res.data && Array.isArray(res.data.errors) && res.data.errors.length ? res.data.errors[0].rule : "";
    if (rule === "outcome_deducible") { lot.outcome_deducible = true; renderLots(); return; }
    status.textContent = problemText(res.data);
    return;
  }
  const line = queued.get(lot.id) || [];
  if (!line.includes(res.data.position)) queued.set(lot.id, [...line, res.data.position]);
  const tickets = mine.get(lot.id) || []; // its private frame may have come first
  if (!tickets.some((t) => t.position === res.data.position)) mine.set(lot.id, [...tickets, { position: res.data.position, place: 0 }]);
  replace(lot.id);
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
    if (lot.seed_hash) {
      item.append(el("p", "meta fairness", lot.seed ? say("seed", { seed: lot.seed }) : say("commit", { hash: lot.seed_hash })));
      item.append(verifyPanel(lot));
    }
    const status = el("p", "buy-result");
    status.setAttribute("role", "status");
    // Once the openings shown tell what the next one holds, nobody may buy it: say why instead.
    const deducible = lot.outcome_deducible ?? (lot.queue && lot.queue.outcome_deducible);
    if (lot.status === "open" && lot.left > 0 && deducible) item.append(el("p", "meta", say("deducible")));
    else if (lot.status === "open" && lot.left > 0) {
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

// A random pick's "Verify this draw": fetches the audit record and recomputes it when opened (again after
// the seed is revealed while it is open).
function verifyPanel(lot) {
  let panel = checks.get(lot.id);
  if (!panel) {
    panel = el("details", "openings-verify-toggle");
    panel.dataset.verifyLot = String(lot.id);
    const box = el("div", "openings-verify");
    const page = el("a", "meta", say("verify_page"));
    page.href = `/openings/${lot.id}/verify`;
    panel.append(el("summary", "", say("verify")), box, page);
    panel.addEventListener("toggle", () => {
      if (panel.open) { panel.dataset.checked = String(lotSeed(lot.id)); verifyLot(box, lot.id, { shownHash: panel.dataset.hash }); }
    });
    checks.set(lot.id, panel);
  }
  // The fingerprint this page was given before any reveal: the check compares the record against it.
  if (!panel.dataset.hash) panel.dataset.hash = lot.seed_hash;
  if (panel.open && panel.dataset.checked !== String(lot.seed ?? null)) panel.dispatchEvent(new Event("toggle"));
  return panel;
}

const lotSeed = (id) => lots.find((l) => l.id === id)?.seed ?? null;

function addResult(result) {
  const line = el("li", "", `${result.buyer_name} · ${labels[result.kind] || result.kind} · ${what(result.outcome || {}) || result.summary}`);
  root.querySelector("[data-openings-results]").prepend(line);
}

document.addEventListener("livestall:room", ({ detail: { type, data: event } }) => {
  if (type === "snapshot" && event.openings) {
    lots = event.openings.lots;
    for (const lot of lots) queued.set(lot.id, lot.queue.queued_positions);
    mine.clear();
    for (const p of event.openings.places) mine.set(p.lot_id, [...(mine.get(p.lot_id) || []), { position: p.position, place: p.place }]);
    renderLots();
  } else if (type === "opening.lot") {
    lots = [...lots.filter((l) => l.id !== event.id), { ...event, queue: { queued_positions: [] } }];
    renderLots();
  } else if (type === "opening.queue") {
    queued.set(event.lot_id, event.queued_positions);
    replace(event.lot_id, event.sold);
    const lot = lots.find((l) => l.id === event.lot_id);
    if (lot) { lot.sold = event.sold; lot.left = event.left; lot.outcome_deducible = event.outcome_deducible; }
    renderLots();
  } else if (type === "opening.place") {
    // Private to this viewer: their own waiting tickets of the lot, with places, from the server.
    mine.set(event.lot_id, event.places.map((p) => ({ position: p.position, place: p.place })));
    // After a close, keep the "refunded" / "moved" message that the room's event put there.
    if (event.places.length || !lots.some((l) => l.id === event.lot_id && l.status === "closed")) renderPlace();
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
