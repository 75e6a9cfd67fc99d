// Paid openings in the studio: set up a lot, see the line, open the next ticket on camera and record
// what was inside (with the moment in the stream and a photo), set absent buyers aside, close a lot
// (refunding what is unopened, or carrying it over to a follow-up show).
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

const NUMBERS = { pearl_count: (v) => Number.parseInt(v, 10), photo_id: (v) => Number.parseInt(v, 10), size_mm: Number };

function outcomeOf(form) {
  const body = {};
  for (const [name, value] of new FormData(form)) {
    if (value === "" || value instanceof File) continue;
    body[name] = NUMBERS[name] ? NUMBERS[name](value) : value;
  }
  const started = Date.parse(root.dataset.startedAt);
  if (!Number.isNaN(started)) body.stream_offset_s = Math.max(0, Math.round((Date.now() - started) / 1000));
  return body;
}

// A photo of the outcome: one frame of the live stream, or a file the host picks; recorded by its id.
function photoControls(lot, form) {
  const preview = form.querySelector("[data-photo-preview]");
  const keep = (res) => {
    if (!res.ok) { fail(res); return; }
    errorBox.hidden = true;
    form.elements.photo_id.value = res.data.id;
    preview.src = res.data.url;
    preview.title = say("photo_ready");
    preview.hidden = false;
  };
  form.querySelector("[data-snapshot]").addEventListener("click", async (e) => {
    e.currentTarget.disabled = true;
    keep(await api("POST", `/api/v1/openings/${lot.id}/snapshots`));
    e.currentTarget.disabled = false;
  });
  form.querySelector("[data-photo-file]").addEventListener("change", async (e) => {
    const file = e.currentTarget.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    keep(await api("POST", `/api/v1/openings/${lot.id}/photos`, body));
  });
}

// Forms by ticket id: the line redraws on every room event, and what the host typed or snapped must stay.
const forms = new Map();

function ticketForm(lot, ticket, canAside) {
  const key = `${ticket.id}:${ticket.status}`;
  if (forms.has(key)) return forms.get(key);
  const form = document.getElementById("opening-outcome-form").content.firstElementChild.cloneNode(true);
  forms.set(key, form);
  if (!canAside) form.querySelector("[data-aside]").remove();
  photoControls(lot, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const res = await api("POST", `/api/v1/openings/${lot.id}/tickets/${ticket.id}/open`, outcomeOf(form));
    if (!res.ok) { fail(res); return; }
    forms.delete(key);
    refresh();
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
  if (lot.carried_from_lot_id) box.append(el("p", "meta", say("carried_from")));
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
  box.append(closeForm(lot));
  return box;
}

// Closing a lot: refund what is unopened, or carry it over to one of the shop's upcoming shows.
function closeForm(lot) {
  const form = el("form", "row opening-close");
  const choice = el("select");
  choice.name = "unopened";
  choice.append(new Option(say("refund"), "refund"));
  for (const show of upcoming) if (String(show.id) !== showId) choice.append(new Option(say("carry", { show: show.title }), show.id));
  const close = el("button", "danger small", say("close"));
  form.append(choice, close);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const refund = choice.value === "refund";
    if (!window.confirm(say(refund ? "confirm_close" : "confirm_carry"))) return;
    const body = refund ? { unopened: "refund" } : { unopened: "follow_up", follow_up_show_id: Number(choice.value) };
    const done = await api("POST", `/api/v1/openings/${lot.id}/close`, body);
    if (!done.ok) fail(done); else refresh();
  });
  return form;
}

let upcoming = [];
async function loadUpcoming() {
  const res = await api("GET", `/api/v1/shows?shop_id=${root.dataset.shopId}&when=upcoming&per_page=20`);
  upcoming = res.ok ? res.data.items.filter((s) => s.status === "scheduled") : [];
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
  if (form.get("addon_product_id")) body.addon_product_id = Number(form.get("addon_product_id"));
  const res = await api("POST", `/api/v1/shows/${showId}/openings`, body);
  if (!res.ok) { fail(res); return; }
  formEl.reset();
  refresh();
});

document.addEventListener("livestall:room", ({ detail: { type } }) => {
  if (type.startsWith("opening.")) refresh();
});
loadUpcoming().finally(refresh);
