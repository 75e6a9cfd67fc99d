// The studio's auction panel: set up an auction of one unit of a pinned product (of one of its variants, picked
// with its stock, when it has them), with its starting price, duration, anti-sniping, sudden death and the
// runner-up's time; open the bidding, follow the price, the leader and the server-clock countdown live from the
// room's events, and cancel. The shows's auctions are the record
// (GET /api/v1/shows/{id}/auctions); the room's `auction.*` events (relayed by studio.js) keep the panel live.
import { api, clock, formatMoney, formatNumber, minorUnits, pageData as data, problemText, serverNow, setServerTime, t }
  from "./app.js";

const panel = document.querySelector("[data-studio-auction]");
const $ = (sel) => panel.querySelector(sel);
const form = $("[data-sa-form]");
const DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0 };
const digits = DIGITS[data.currency] ?? 2;
let current = null;
// Each pinned product with its variants (id, label, stock): an auction of such a product is of one of them.
const shelfItem = (item) => ({ product_id: item.product_id, title: item.title, variants: item.variants || [] });
let shelf = (data.shelf || []).map(shelfItem);

const money = (m) => (m ? formatMoney(m.amount_minor, m.currency) : "");

// A refusal by its rule in the page's language: the auction's own wording, then the shared one, else the server's.
function ruleText(rule, message) {
  for (const key of [`auction_rule_${rule}`, `rule_${rule}`]) if (rule && t(key) !== key) return t(key);
  return message || t("error");
}

function fieldErrors(errors) {
  for (const node of panel.querySelectorAll("[data-error-for]")) node.hidden = true;
  const general = $("[data-sa-error]");
  general.hidden = true;
  for (const error of errors) {
    const node = panel.querySelector(`[data-error-for="${error.field}"]`) || general;
    node.textContent = ruleText(error.rule, error.message);
    node.hidden = false;
  }
}

function drawShelf() {
  const select = $("[data-sa-product]");
  const chosen = select.value;
  select.replaceChildren(...shelf.map((item) => new Option(item.title, String(item.product_id))));
  if (shelf.some((item) => String(item.product_id) === chosen)) select.value = chosen;
  $("[data-sa-none]").hidden = shelf.length > 0;
  drawVariants();
}

// The chosen product's variants, each with its stock; one without units is shown but cannot be chosen.
function drawVariants() {
  const item = shelf.find((p) => String(p.product_id) === $("[data-sa-product]").value);
  const variants = item ? item.variants : [];
  const select = $("[data-sa-variant]");
  const chosen = select.value;
  select.replaceChildren(...variants.map((v) => {
    const text = t("auction_variant_stock", { label: v.label, count: formatNumber(v.stock) });
    const option = new Option(text, String(v.id));
    option.disabled = v.stock < 1;
    return option;
  }));
  const usable = variants.filter((v) => v.stock > 0);
  if (usable.some((v) => String(v.id) === chosen)) select.value = chosen;
  else if (usable.length) select.value = String(usable[0].id);
  $("[data-sa-variant-field]").hidden = variants.length === 0;
  select.disabled = variants.length === 0;
}

function running() {
  return current && (current.status === "scheduled" || current.status === "open");
}

function resultText(a) {
  if (a.status === "cancelled") return t("auction_cancelled");
  if (a.result === "sold" || a.result === "sold_runner_up") return t("auction_sold", { name: a.winner_name || "", amount: money(a.hammer) });
  if (a.result === "offered") return t("auction_offered_room");
  if (a.result === "unsold") return t("auction_unsold");
  return "";
}

function draw() {
  const live = $("[data-sa-live]");
  live.hidden = !current;
  form.hidden = Boolean(running());
  if (!current) return;
  $("[data-sa-title]").textContent = current.title;
  $("[data-sa-status]").textContent = t(`auction_status_${current.status}`);
  $("[data-sa-price]").textContent = current.bids ? money(current.price)
    : t("auction_starts_at", { amount: money(current.starting_price) });
  $("[data-sa-leader]").textContent = current.leader_name
    ? t("auction_leader", { name: current.leader_name, count: formatNumber(current.bids) })
    : t("auction_bidders", { count: formatNumber(current.bidders) });
  $("[data-sa-result]").textContent = resultText(current);
  $("[data-sa-open]").hidden = current.status !== "scheduled";
  $("[data-sa-cancel]").hidden = !running();
  tick();
}

function tick() {
  if (!current) return;
  const node = $("[data-sa-clock]");
  node.hidden = current.status !== "open";
  if (current.status !== "open") return;
  const left = (Date.parse(current.ends_at) - serverNow()) / 1000;
  node.textContent = left > 0 ? clock(Math.ceil(left)) : t("auction_closing");
  node.classList.toggle("soon", left <= current.snipe_s);
}

function take(view) {
  if (view.now) setServerTime(Date.parse(view.now));
  current = view;
  draw();
}

async function act(path, button) {
  button.disabled = true;
  const res = await api("POST", `/api/v1/auctions/${current.id}/${path}`);
  button.disabled = false;
  if (!res.ok) {
    fieldErrors(res.data?.errors || [{ field: "", rule: "", message: problemText(res.data) }]);
    return;
  }
  fieldErrors([]);
  take(res.data);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const price = minorUnits(String(fields.get("starting_price") || ""), digits);
  if (price === null) return fieldErrors([{ field: "starting_price_minor", rule: "money_format", message: t("auction_amount_format") }]);
  const body = {
    product_id: Number(fields.get("product_id")), starting_price_minor: price,
    ...(fields.get("variant_id") ? { variant_id: Number(fields.get("variant_id")) } : {}),
    duration_s: Number(fields.get("duration_s")), snipe_s: Number(fields.get("snipe_s")),
    sudden_death: fields.get("sudden_death") === "on", offer_minutes: Number(fields.get("offer_minutes")),
  };
  const button = $("[data-sa-create]");
  button.disabled = true;
  const res = await api("POST", `/api/v1/shows/${data.show_id}/auctions`, body);
  button.disabled = false;
  if (!res.ok) return fieldErrors(res.data?.errors || [{ field: "", rule: "", message: problemText(res.data) }]);
  fieldErrors([]);
  take(res.data);
});
form.addEventListener("input", (event) => {  // a field being corrected loses its error
  const name = event.target.name === "starting_price" ? "starting_price_minor" : event.target.name;
  const node = panel.querySelector(`[data-error-for="${name}"]`);
  if (node) node.hidden = true;
});
$("[data-sa-product]").addEventListener("change", drawVariants);
$("[data-sa-open]").addEventListener("click", (e) => act("open", e.currentTarget));
$("[data-sa-cancel]").addEventListener("click", (e) => {
  if (window.confirm(t("auction_cancel_confirm"))) act("cancel", e.currentTarget);
});

document.addEventListener("livestall:room", ({ detail: { type, data: event } }) => {
  if (type === "pin.changed") {
    shelf = event.items.map(shelfItem);
    drawShelf();
  } else if ((type === "sale.made" || type === "stock.changed") && event.variant_id && !event.flash_sale_id) {
    const variant = shelf.flatMap((p) => p.variants).find((v) => v.id === event.variant_id);
    if (variant) {
      variant.stock = event.units_left;
      drawVariants();
    }
  } else if (type.startsWith("auction.") && event.show_id === data.show_id) {
    take(event);
  }
});

async function load() {
  const res = await api("GET", `/api/v1/shows/${data.show_id}/auctions`);
  if (!res.ok || !res.data.items.length) return;
  const last = res.data.items[res.data.items.length - 1];
  if (!current || current.id <= last.id) take(last);
}

drawShelf();
draw();
load();
setInterval(tick, 250);
