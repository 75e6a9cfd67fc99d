// "Verify this draw": fetches a lot's public audit record and recomputes, in this browser with Web Crypto,
// the seed's SHA-256 against the fingerprint published before sales and every draw made from the seed,
// exactly as the server draws (openings/fairness.py): the ticket at place p in line takes, from the items
// not drawn yet (in their listed order), the one at index int(sha256("seed:p")) mod the number left.
import { api } from "./app.js";

const labelsNode = document.getElementById("openings-verify-labels");
const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
const say = (key, vars = {}) => (labels[key] || key).replace(/%\((\w+)\)s/g, (_, n) => (n in vars ? String(vars[n]) : ""));

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// One step of the check: a label, the value it shows, and whether it matched (null: nothing to compare).
function step(list, text, value, ok) {
  const item = el("li", "verify-step");
  if (ok !== null) item.dataset.ok = String(ok);
  item.append(el("span", "", text));
  if (value) item.append(" ", el("code", "verify-value", value));
  if (ok !== null) item.append(" ", el("strong", ok ? "verify-ok" : "verify-bad", ok ? say("matches") : say("mismatch")));
  list.append(item);
  return ok !== false;
}

async function audit(lotId) {
  const res = await api("GET", `/api/v1/openings/${lotId}/audit`);
  if (!res.ok) throw new Error(String(res.status));
  return res.data;
}

// Each ticket of the lot (by its position in this lot) and its place in the line the seed drew for. A lot
// that took tickets over from another lot draws them at their places there (followed back to the first lot).
async function tickets(record) {
  const byPosition = new Map();
  const origin = record.entries.find((e) => e.action === "lot_created")?.data.carried_from_lot_id;
  let back = null;
  for (const e of record.entries) {
    const d = e.data || {};
    if (e.action === "ticket_bought") byPosition.set(d.position, { position: d.position, place: d.position, status: "bought" });
    else if (e.action === "carried_in") byPosition.set(d.position, { position: d.position, place: d.from_position, from: d.from_lot_id, status: "bought" });
  }
  if (origin) back = await places(origin);
  for (const t of byPosition.values()) if (back && back.has(t.place)) t.place = back.get(t.place);
  for (const e of record.entries) {
    const t = byPosition.get(e.data?.position);
    if (!t) continue;
    if (e.action === "opened") { t.status = "opened"; t.recorded = e.data.outcome?.drawn_item; }
    else if (e.action === "refunded" || e.action === "carried_over") t.status = e.action;
  }
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

// Positions of a lot mapped to places in the first lot's line (itself when it was not carried over).
async function places(lotId) {
  const record = await audit(lotId);
  const map = new Map();
  for (const t of await tickets(record)) map.set(t.position, t.place);
  return map;
}

function sealed(box, record) {
  const closed = record.entries.find((e) => e.action === "closed");
  const carriedTo = closed?.data.carried_to_lot_id;
  box.append(el("p", "meta", carriedTo ? say("carried") : say("sealed")));
  if (carriedTo) {
    const link = el("a", "", say("verify_follow_up"));
    link.href = `/openings/${carriedTo}/verify`;
    const line = el("p");
    line.append(link);
    box.append(line);
  }
}

// Fetch the record, recompute everything and show each step in `box`; returns true when all of it matches.
export async function verifyLot(box, lotId, { shownHash = null } = {}) {
  box.replaceChildren(el("p", "meta", say("how")), el("p", "meta", say("loading")));
  const link = el("a", "", say("record"));
  link.href = `/api/v1/openings/${lotId}/audit`;
  let record;
  try {
    record = await audit(lotId);
  } catch {
    box.lastChild.textContent = say("error");
    return null;
  }
  box.lastChild.replaceChildren(link);
  if (!globalThis.crypto?.subtle) { box.append(el("p", "error", say("no_crypto"))); return null; }
  const steps = el("ol", "verify-steps");
  box.append(steps);
  const created = record.entries.find((e) => e.action === "lot_created");
  let ok = step(steps, say("step_commit"), record.seed_hash, null);
  if (created) ok = step(steps, say("step_logged"), created.data.seed_hash, created.data.seed_hash === record.seed_hash) && ok;
  if (shownHash) ok = step(steps, say("step_shown"), shownHash, shownHash === record.seed_hash) && ok;
  if (!record.seed) {
    sealed(box, record);
    return null;
  }
  step(steps, say("step_seed"), record.seed, null);
  const computed = await sha256Hex(record.seed);
  ok = step(steps, say("step_hash"), computed, computed === record.seed_hash) && ok;

  const items = record.pick_items || [];
  const lot = await tickets(record);
  const last = Math.max(0, ...lot.map((t) => t.place));
  const left = items.map((_, i) => i);
  const draws = new Map(); // place -> {digest, index, remaining, item}
  for (let place = 1; place <= last && left.length; place += 1) {
    const digest = await sha256Hex(`${record.seed}:${place}`);
    const index = Number(BigInt(`0x${digest}`) % BigInt(left.length));
    draws.set(place, { digest, index, remaining: left.length, item: items[left.splice(index, 1)[0]] });
  }
  box.append(el("h4", "", say("step_draws")));
  const rows = el("ol", "verify-draws");
  box.append(rows);
  for (const t of lot) {
    const d = draws.get(t.place);
    const row = el("li", "verify-step");
    row.dataset.position = String(t.position);
    row.append(el("span", "", say("draw", { position: t.position, place: t.place, remaining: d ? d.remaining : 0, index: d ? d.index : "-" })),
      " ", el("code", "verify-value", d ? `${d.digest.slice(0, 16)}…` : "-"), " → ", el("bdi", "verify-item", d ? d.item : "-"));
    if (t.status === "opened") {
      const same = !!d && d.item === t.recorded;
      ok = ok && same;
      row.dataset.ok = String(same);
      // The item keeps its own direction inside the sentence (an English item in an Arabic line).
      const [before, after = ""] = (labels.recorded || "recorded: %(item)s").split("%(item)s");
      const recorded = el("span", "meta", ` · ${before}`);
      recorded.append(el("bdi", "", t.recorded ?? "-"), `${after} `);
      row.append(recorded, el("strong", same ? "verify-ok" : "verify-bad", same ? say("matches") : say("mismatch")));
    } else {
      row.append(el("span", "meta", ` · ${say(`status_${t.status}`)}`));
    }
    rows.append(row);
  }
  const verdict = el("p", ok ? "verify-verdict verify-ok" : "verify-verdict verify-bad", ok ? say("verdict_ok") : say("verdict_bad"));
  verdict.setAttribute("role", "status");
  verdict.dataset.verdict = ok ? "match" : "mismatch";
  box.append(verdict);
  return ok;
}

// The page of its own (/openings/{id}/verify) checks at once.
const page = document.querySelector("[data-openings-verify-page]");
if (page) verifyLot(page.querySelector("[data-verify-box]"), Number(page.dataset.lotId), { shownHash: page.dataset.seedHash || null });
