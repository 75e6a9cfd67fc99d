// The studio's flash sales: a "Flash sale" button on every pinned product (the pin list, and the phone's shelf
// strip) opens a form (templates/studio/_flash.html); the sale then shows on a board, counting down to its start,
// then its time left and units sold, with "End now"; once over it says how many sold. The shelf
// (GET /api/v1/shows/{id}/pins) is the record; the room's events (relayed by studio.js as "livestall:room")
// move it along between reads.
import { api, clock, formatMoney, formatNumber, minorUnits, pageData as data, problemText, t } from "./app.js";

const dialog = document.querySelector("[data-flash-dialog]");
const form = dialog.querySelector("[data-flash-form]");
const formError = form.querySelector("[data-flash-error]");
const variantField = form.querySelector("[data-flash-variant-field]");
const variantSelect = form.querySelector("[data-flash-variant]");
const variantPlace = document.createComment("variant"); // where the variant field goes back for a product with some
variantField.replaceWith(variantPlace);
const boards = [...document.querySelectorAll("[data-flash-board]")];

let shelf = new Map(); // product_id -> shelf item (its flash_sale: the open one, if any)
const over = new Map(); // product_id -> {id, status, title, units, sold}: the last sale that ended
const closedIds = new Set(); // flash sales known to be over: a late read must not bring them back
let status = data.status;
let clockOffset = 0; // the server's clock minus this device's, as the sales' countdowns tell it
let boardError = "";
let opened = null; // the shelf item the form is for

const digitsOf = (currency) => {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
};
const now = () => Date.now() + clockOffset;

function wholeNumber(text) {
  return /^\d{1,9}$/.test(text.trim()) && Number(text) >= 1 ? Number(text) : null;
}

function learnClock(sale) {
  // seconds_to_start and seconds_left were counted by the server's clock when it sent the sale
  const server = sale.seconds_to_start > 0 ? Date.parse(sale.starts_at) - sale.seconds_to_start * 1000
    : sale.seconds_left > 0 ? Date.parse(sale.ends_at) - sale.seconds_left * 1000 : null;
  if (server !== null && !Number.isNaN(server)) clockOffset = server - Date.now();
}

function setSale(productId, sale) {
  const item = shelf.get(productId);
  if (!item) return;
  if (sale && closedIds.has(sale.id)) sale = null;
  if (sale) {
    learnClock(sale);
    over.delete(productId);
  }
  item.flash_sale = sale;
}

function setShelf(items) {
  shelf = new Map(items.map((item) => [item.product_id, { ...item }]));
  for (const item of shelf.values()) setSale(item.product_id, item.flash_sale);
  render();
}

let readSeq = 0;
let readTimer = null;
let lastRead = 0;
function reread(delay = 300) {
  clearTimeout(readTimer);
  readTimer = setTimeout(async () => {
    const seq = ++readSeq;
    lastRead = Date.now();
    const res = await api("GET", `/api/v1/shows/${data.show_id}/pins`);
    if (res.ok && seq === readSeq) setShelf(res.data.items || []);
  }, delay);
}

// -- the board -------------------------------------------------------------------------------------------------

function timeText(sale) {
  const t0 = now();
  const startsAt = Date.parse(sale.starts_at), endsAt = Date.parse(sale.ends_at);
  if (t0 < startsAt) return t("flash_host_starts", { time: clock((startsAt - t0) / 1000) });
  if (t0 < endsAt) return t("flash_host_left", { time: clock((endsAt - t0) / 1000) });
  return t("flash_host_ending");
}

// A sale of one variant says which: "Yak wool cardigan · M / Grey".
function saleTitle(item, sale) {
  const variant = sale?.variant_id && (item.variants || []).find((v) => v.id === sale.variant_id);
  return variant ? `${item.title} · ${variant.label}` : item.title;
}

function card(productId, title) {
  const node = document.createElement("div");
  node.className = "flash-card";
  node.dataset.flashCard = productId;
  const name = document.createElement("strong");
  name.className = "flash-title";
  name.textContent = title;
  node.append(name);
  return node;
}

function span(cls, text, attr) {
  const node = document.createElement("span");
  node.className = cls;
  node.textContent = text;
  if (attr) node.setAttribute(attr, "");
  return node;
}

function renderBoard(board) {
  // the same sales as last time: leave the cards (and a finger on "End now") alone; tick() moves the times
  const key = JSON.stringify([[...shelf.values()].map((i) => i.flash_sale && [i.product_id, i.flash_sale.id,
    i.flash_sale.units_left, i.flash_sale.sale_price.amount_minor]), [...over], boardError, status]);
  if (board.dataset.key === key) return;
  board.dataset.key = key;
  const cards = [];
  for (const item of shelf.values()) {
    const sale = item.flash_sale;
    if (!sale) continue;
    const node = card(item.product_id, saleTitle(item, sale));
    const live = now() >= Date.parse(sale.starts_at);
    node.dataset.state = live ? "live" : "scheduled";
    node.append(
      span("flash-price", formatMoney(sale.sale_price.amount_minor, sale.sale_price.currency)),
      span("flash-time", timeText(sale), "data-flash-time"),
      span("flash-sold", t("flash_host_sold", { sold: formatNumber(sale.units - sale.units_left),
                                                 units: formatNumber(sale.units) }), "data-flash-sold"));
    const end = document.createElement("button");
    end.type = "button";
    end.className = "danger small";
    end.dataset.flashEnd = sale.id;
    end.textContent = t("flash_end_now");
    node.append(end);
    cards.push(node);
  }
  for (const [productId, done] of over) {
    if (shelf.get(productId)?.flash_sale) continue;
    const node = card(productId, done.title);
    node.dataset.state = done.status;
    node.append(span("flash-done", done.status === "cancelled" ? t("flash_host_cancelled")
      : t("flash_host_ended", { sold: formatNumber(done.sold), units: formatNumber(done.units) }), "data-flash-done"));
    cards.push(node);
  }
  if (boardError) {
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = boardError;
    cards.push(p);
  }
  board.replaceChildren(...cards);
}

function render() {
  for (const board of boards) renderBoard(board);
  for (const button of document.querySelectorAll("[data-flash-open]")) {
    const item = shelf.get(Number(button.dataset.flashOpen));
    button.hidden = !item || status !== "live";
    button.disabled = Boolean(item?.flash_sale);
  }
}

function tick() {
  for (const board of boards) {
    for (const node of board.querySelectorAll("[data-flash-card]")) {
      const sale = shelf.get(Number(node.dataset.flashCard))?.flash_sale;
      if (!sale) continue;
      node.querySelector("[data-flash-time]").textContent = timeText(sale);
      node.dataset.state = now() >= Date.parse(sale.starts_at) ? "live" : "scheduled";
    }
  }
  // a sale whose time is up is closed by the server's clock within a second or two: read how it ended; and
  // while one runs the shelf is read every few seconds anyway, in case the room missed an event
  const open = [...shelf.values()].filter((item) => item.flash_sale);
  if (open.some((item) => now() > Date.parse(item.flash_sale.ends_at) + 2500)
      || (open.length && Date.now() - lastRead > 5000)) reread(0);
}
setInterval(tick, 500);

function finished(productId, sale, status_, sold) {
  closedIds.add(sale.id);
  const item = shelf.get(productId);
  const title = item ? saleTitle(item, sale) : over.get(productId)?.title ?? "";
  over.set(productId, { id: sale.id, status: status_, title, units: sale.units, sold });
  if (item?.flash_sale?.id === sale.id) item.flash_sale = null;
}

async function endNow(button) {
  const productId = Number(button.closest("[data-flash-card]").dataset.flashCard);
  const item = shelf.get(productId);
  const sale = item?.flash_sale;
  if (!sale) return;
  // Ending takes the sale price away from every buyer at once, and cannot be undone: ask first.
  if (!window.confirm(t("flash_confirm_end", { title: item.title }))) return;
  button.disabled = true;
  const res = await api("POST", `/api/v1/flash-sales/${sale.id}/end`);
  if (!res.ok) {
    boardError = problemText(res.data);
    button.disabled = false;
    render();
    reread();
    return;
  }
  boardError = "";
  // flash.ended tells the exact count: unless it came first, count from the last units left known
  if (over.get(productId)?.id !== sale.id) finished(productId, sale, res.data.status, sale.units - sale.units_left);
  render();
}

for (const board of boards) {
  board.addEventListener("click", (e) => {
    const button = e.target.closest("[data-flash-end]");
    if (button) endNow(button);
  });
}

// -- the form ----------------------------------------------------------------------------------------------------

function showFormError(message) {
  formError.textContent = message;
  formError.hidden = !message;
}

// The variant picked in the form, or null (also for a product without variants).
function pickedVariant() {
  return (opened?.variants || []).find((v) => String(v.id) === variantSelect.value) || null;
}

// The price and stock the sale starts from: the picked variant's, else the product's.
function drawRegular() {
  const from = pickedVariant() || opened;
  dialog.querySelector("[data-flash-regular]").textContent = t("flash_regular", {
    price: formatMoney(from.price.amount_minor, from.price.currency), stock: formatNumber(from.stock) });
}

// One choice per variant with its stock; a sold-out one cannot be put on sale.
function drawVariantChoices(item) {
  const variants = item.variants || [];
  // only in the form of a product with variants: the form of a plain one has nothing to choose
  if (variants.length) variantPlace.after(variantField);
  else variantField.remove();
  variantField.hidden = !variants.length;
  variantSelect.required = Boolean(variants.length);
  variantSelect.replaceChildren(variantSelect.options[0], ...variants.map((v) => {
    const option = document.createElement("option");
    option.value = String(v.id);
    option.disabled = v.stock <= 0;
    option.textContent = v.stock > 0 ? t("flash_variant_stock", { label: v.label, stock: formatNumber(v.stock) })
      : `${v.label} · ${t("sold_out")}`;
    return option;
  }));
  variantSelect.value = "";
}
variantSelect.addEventListener("change", () => {
  variantSelect.removeAttribute("aria-invalid");
  showFormError("");
  drawRegular();
});

function openForm(productId) {
  const item = shelf.get(productId);
  if (!item) return;
  opened = item;
  form.reset();
  showFormError("");
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  dialog.querySelector("[data-flash-product]").textContent = item.title;
  dialog.querySelector("[data-flash-currency]").textContent = item.price.currency;
  drawVariantChoices(item);
  drawRegular();
  form.querySelector("[data-flash-submit]").disabled = false;
  dialog.showModal();
  (item.variants?.length ? variantSelect : form.elements.price).focus();
}

document.addEventListener("click", (e) => {
  const button = e.target.closest("[data-flash-open]");
  if (button && !button.disabled) openForm(Number(button.dataset.flashOpen));
});
dialog.querySelector("[data-flash-close]").addEventListener("click", () => dialog.close());

function invalid(input, message) {
  input.setAttribute("aria-invalid", "true");
  input.focus();
  showFormError(message);
  return null;
}

function readForm() {
  const els = form.elements;
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const variant = pickedVariant();
  if (opened.variants?.length && !variant) return invalid(variantSelect, t("flash_choose_variant"));
  const price = minorUnits(els.price.value, digitsOf(opened.price.currency));
  if (price === null) return invalid(els.price, t("money_format"));
  const units = wholeNumber(els.units.value);
  if (units === null) return invalid(els.units, t("flash_whole_number"));
  const limit = els.per_buyer_limit.value.trim() ? wholeNumber(els.per_buyer_limit.value) : undefined;
  if (limit === null) return invalid(els.per_buyer_limit, t("flash_whole_number"));
  const countdown = Number(els.countdown_s.value);
  const body = { product_id: opened.product_id, sale_price_minor: price, currency: opened.price.currency, units,
                 duration_s: Number(els.duration_s.value), countdown_s: countdown };
  if (limit !== undefined) body.per_buyer_limit = limit;
  if (variant) body.variant_id = variant.id;
  if (countdown > 0) body.starts_at = new Date(now() + countdown * 1000).toISOString();
  return body;
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!opened) return;
  const body = readForm();
  if (!body) return;
  const submit = form.querySelector("[data-flash-submit]");
  submit.disabled = true;
  showFormError("");
  const res = await api("POST", `/api/v1/shows/${data.show_id}/flash-sales`, body);
  submit.disabled = false;
  if (!res.ok) return showFormError(problemText(res.data));
  boardError = "";
  setSale(opened.product_id, res.data);
  dialog.close();
  render();
});

// -- the room ------------------------------------------------------------------------------------------------------

function forSale(event) {
  const item = shelf.get(Number(event.product_id));
  return item?.flash_sale && item.flash_sale.id === event.flash_sale_id ? item.flash_sale : null;
}

document.addEventListener("livestall:room", (e) => {
  const { type, data: event } = e.detail;
  if (type === "pin.changed") setShelf(event.items || []);
  else if (type === "flash.scheduled" || type === "flash.started") {
    setSale(Number(event.product_id), event);
    render();
  } else if (type === "flash.ended" || type === "flash.cancelled") {
    finished(Number(event.product_id), event, type.slice(6), event.units - event.units_unsold);
    render();
  } else if (type === "sale.made" || type === "stock.changed" || type === "product.sold_out") {
    const sale = forSale(event);
    if (sale) {
      sale.units_left = type === "product.sold_out" ? 0 : event.units_left;
      render();
    }
    reread();
  } else if (type === "show.live" || type === "show.ended") {
    status = type === "show.live" ? "live" : "ended";
    if (status === "ended" && dialog.open) dialog.close();
    reread(0);
  }
});

setShelf(data.shelf || []);
reread(0);
window.livestallFlash = { get shelf() { return shelf; }, get over() { return over; } };
