// "Verify this giveaway": fetches the draw's public record and redoes it in this browser with Web Crypto, exactly
// as the server draws (giveaways/draw.py, openings/fairness.py): the seed's SHA-256 against the commitment published
// at the start, then place p takes, from the entries not drawn yet (in entry id order), the one at index
// int(SHA-256("seed:p")) mod the number left. The winners found must be the winners announced, in order.
import { api } from "./app.js";

const page = document.querySelector("[data-giveaway-verify]");
const labelsNode = document.getElementById("giveaway-verify-labels");
const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
const say = (key, vars = {}) => (labels[key] || key).replace(/%\((\w+)\)s/g, (_, n) => (n in vars ? String(vars[n]) : ""));

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function step(list, label, value, ok) {
  const item = el("li", "verify-step");
  if (ok !== null) item.dataset.ok = String(ok);
  item.append(el("span", "", label), " ", el("code", "verify-value", value));
  if (ok !== null) item.append(" ", el("strong", ok ? "verify-ok" : "verify-bad", ok ? say("matches") : say("mismatch")));
  list.append(item);
  return ok !== false;
}

// The winning entry ids, in place order, drawn from `ids` (any order) with `seed`.
export async function drawWinners(seed, ids, winners) {
  const left = [...ids].sort((a, b) => a - b);
  const picked = [];
  for (let place = 1; place <= winners && left.length; place += 1) {
    const digest = await sha256Hex(`${seed}:${place}`);
    picked.push(left.splice(Number(BigInt(`0x${digest}`) % BigInt(left.length)), 1)[0]);
  }
  return picked;
}

async function verify() {
  const verdict = page.querySelector("[data-verify-verdict]");
  const steps = page.querySelector("[data-verify-steps]");
  const res = await api("GET", `/api/v1/giveaways/${page.dataset.giveawayId}/verification`);
  if (!res.ok) { verdict.textContent = say("error"); return; }
  const record = res.data;
  const places = new Map(record.winner_entry_ids.map((id, i) => [id, i + 1]));
  page.querySelector("[data-verify-entries]").replaceChildren(...record.entries.map((e) => {
    const item = el("li", "", `#${e.id} ${e.name}`);
    if (places.has(e.id)) item.append(" · ", el("strong", "", say("won", { place: places.get(e.id) })));
    return item;
  }));
  step(steps, say("commitment"), record.seed_hash, null);
  if (!record.seed) { verdict.textContent = say("sealed"); page.dataset.verified = "sealed"; return; }
  if (!globalThis.crypto?.subtle) { verdict.textContent = say("no_crypto"); return; }
  step(steps, say("seed"), record.seed, null);
  let ok = step(steps, say("hash"), await sha256Hex(record.seed), (await sha256Hex(record.seed)) === record.seed_hash);
  const found = await drawWinners(record.seed, record.entries.map((e) => e.id), record.winners);
  step(steps, say("claimed"), record.winner_entry_ids.map((id) => `#${id}`).join(", ") || "–", null);
  const same = found.length === record.winner_entry_ids.length && found.every((id, i) => id === record.winner_entry_ids[i]);
  ok = step(steps, say("winners"), found.map((id) => `#${id}`).join(", ") || "–", same) && ok;
  verdict.textContent = ok ? say("ok") : say("bad");
  verdict.className = `giveaway-verdict ${ok ? "verify-ok" : "verify-bad"}`;
  page.dataset.verified = String(ok);
}

if (page) verify();
