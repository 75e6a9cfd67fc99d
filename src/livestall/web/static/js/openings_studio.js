// Paid openings in the studio: set up a lot, see the line, open the next ticket on camera and record
// what was inside (with the moment in the stream), set absent buyers aside, close a lot.
import { api, problemText } from "./app.js";

const root = document.querySelector("[data-openings-studio]");
const labels = JSON.parse(document.getElementById("openings-studio-labels").textContent);
const say = (key, vars = {}) => (labels[key] || key).replace(/%\((\w+)\)s/g, (_, n) => (n in vars ? String(vars[n]) : ""));
const showId = root.dataset.showId;
const errorBox = root.querySelector("[data-openings-error]");
const digits = new Intl.NumberFormat("en", { style: "currency", currency: root.dataset.currency }).resolvedOptions().maximumFractionDigits;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fail(res) {
  errorBox.textContent = problemText(res.data);
  errorBox.hidden = false;
}

function outcomeOf(form) {
  const body = {};
  for (const [name, value] of new FormData(form)) {
    if (value === "") continue;
    body[name] = name === "pearl_count" ? Number.parseInt(value, 10) : name === "size_mm" ? Number(value) : value;
  }
  const started = Date.parse(root.dataset.startedAt);
  if (!Number.isNaN(started)) body.stream_offset_s = Math.max(0, Math.round((Date.now() - started) / 1000));
  return body;
}

function ticketForm(lot, ticket, canAside) {
  const form = document.getElementById("opening-outcome-form").content.firstElementChild.cloneNode(true);
  if (!canAside) form.querySelector("[data-aside]").remove();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const res = await api("POST", `/api/v1/openings/${lot.id}/tickets/${ticket.id}/open`, outcomeOf(form));
    if (!res.ok) fail(res); else refresh();
  });
  form.querySelector("[data-aside]")?.addEventListener("click", async () => {
    const res = await api("POST", `/api/v1/openings/${lot.id}/tickets/${ticket.id}/set-aside`);
    if (!res.ok) fail(res); else refresh();
  });
  return form;
}

async function renderLot(lot) {
  const box = el("div", "openings-lot");
  box.append(el("h3", "", `${lot.title} · ${lot.sold}/${lot.quantity}`));
  if (lot.status !== "open") { box.append(el("p", "meta", say("closed"))); return box; }
  const res = await api("GET", `/api/v1/openings/${lot.id}/queue`);
  const line = res.ok ? res.data.items : [];
  const waiting = line.filter((t) => t.status === "queued");
  box.append(el("p", "meta", waiting.length ? say("queue", { num: waiting.length }) : say("empty")));
  if (waiting.length) {
    box.append(el("p", "", say("next", { name: waiting[0].buyer_name, position: waiting[0].position })));
    box.append(ticketForm(lot, waiting[0], true));
  }
  for (const ticket of line.filter((t) => t.status === "set_aside")) {
    const details = el("details");
    details.append(el("summary", "", say("aside", { name: ticket.buyer_name, position: ticket.position })));
    details.append(ticketForm(lot, ticket, false));
    box.append(details);
  }
  const close = el("button", "danger small", say("close"));
  close.type = "button";
  close.addEventListener("click", async () => {
    if (!window.confirm(say("confirm_close"))) return;
    const done = await api("POST", `/api/v1/openings/${lot.id}/close`, { unopened: "refund" });
    if (!done.ok) fail(done); else refresh();
  });
  box.append(close);
  return box;
}

let refreshing = null;
async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const res = await api("GET", `/api/v1/shows/${showId}/openings`);
    if (res.ok) {
      const boxes = [];
      for (const lot of res.data.items) boxes.push(await renderLot(lot));
      root.querySelector("[data-openings-lots]").replaceChildren(...boxes);
    }
  })().finally(() => { refreshing = null; });
  return refreshing;
}

root.querySelector("[data-openings-new]").addEventListener("submit", async (e) => {
  e.preventDefault();
  errorBox.hidden = true;
  const formEl = e.currentTarget;
  const form = new FormData(formEl);
  const items = String(form.get("pick_items") || "").split("\n").map((s) => s.trim()).filter(Boolean);
  const body = {
    kind: form.get("kind"), title: form.get("title"), description: form.get("description"),
    price_minor: Math.round(Number(form.get("price")) * 10 ** digits), quantity: Number.parseInt(form.get("quantity"), 10),
    random_pick: items.length > 0, pick_items: items,
  };
  const res = await api("POST", `/api/v1/shows/${showId}/openings`, body);
  if (!res.ok) { fail(res); return; }
  formEl.reset();
  refresh();
});

document.addEventListener("livestall:room", ({ detail: { type } }) => {
  if (type.startsWith("opening.")) refresh();
});
refresh();
