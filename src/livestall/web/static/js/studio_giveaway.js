// The studio's giveaway and coupon panel: start a giveaway (prize, winners, who may enter, how long), follow its
// entries live and draw it (or let the time run out), see the winners with the link to verify the draw; pin a
// live-only coupon to the shelf and follow how many are left; the show's figures (entries, coupons claimed, used).
import { api, clock, formatMoney, formatNumber, minorUnits, pageData as data, problemText, serverNow, t } from "./app.js";

const panel = document.querySelector("[data-studio-giveaway]");
const $ = (sel) => panel.querySelector(sel);
const gwForm = $("[data-gw-form]");
const cpForm = $("[data-cp-form]");
const DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0 };
const digits = DIGITS[data.currency] ?? 2;
let current = null;
let coupons = [];

function showError(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

function prizeText(g) {
  const amount = g.amount ? formatMoney(g.amount.amount_minor, g.amount.currency) : "";
  if (g.prize === "product") return t("gw_prize_product", { title: g.product_title });
  return t(g.prize === "credit" ? "gw_prize_credit" : "gw_prize_voucher", { amount });
}

function drawLive() {
  const live = $("[data-gw-live]");
  live.hidden = !current;
  if (!current) return;
  $("[data-gw-live-title]").textContent = current.title || prizeText(current);
  $("[data-gw-live-entries]").textContent = t("gw_entries", { count: formatNumber(current.entries) });
  $("[data-gw-draw]").hidden = current.status !== "running";
  $("[data-gw-results]").hidden = current.status !== "drawn";
  if (current.status === "drawn") {
    $("[data-gw-winners]").textContent = current.winner_names.length
      ? t("gw_drawn_winners", { names: current.winner_names.join(", ") }) : t("gw_no_entries");
    $("[data-gw-verify]").href = current.verify_url;
  }
  tick();
}

function tick() {
  if (!current) return;
  const left = (Date.parse(current.ends_at) - serverNow()) / 1000;
  $("[data-gw-live-countdown]").textContent = current.status !== "running" ? t("gw_closed")
    : left > 0 ? t("gw_ends_in", { time: clock(left) }) : t("gw_drawing");
}

function drawCoupons() {
  $("[data-cp-list]").replaceChildren(...coupons.map((c) => {
    const li = document.createElement("li");
    li.className = "coupon-chip";
    li.dataset.couponId = String(c.id);
    const text = document.createElement("p");
    const off = c.amount_off ? formatMoney(c.amount_off.amount_minor, c.amount_off.currency) : `${formatNumber(c.percent_off)}%`;
    text.textContent = `${t("voucher_off", { amount: off })} · ${t("cp_left", { count: formatNumber(c.remaining) })}`;
    const unpin = document.createElement("button");
    unpin.type = "button";
    unpin.className = "small secondary";
    unpin.textContent = t("cp_unpin");
    unpin.addEventListener("click", async () => {
      const res = await api("DELETE", `/api/v1/coupons/${c.id}`);
      if (res.ok) { coupons = coupons.filter((x) => x.id !== c.id); drawCoupons(); }
    });
    li.append(text, unpin);
    return li;
  }));
}

async function figures() {
  const res = await api("GET", `/api/v1/shows/${data.show_id}/giveaways/figures`);
  if (res.ok) {
    $("[data-gw-figures]").textContent = t("gw_figures", {
      entries: formatNumber(res.data.entries), claimed: formatNumber(res.data.claimed), used: formatNumber(res.data.used) });
  }
}

async function load() {
  const [list, pinned] = await Promise.all([api("GET", `/api/v1/shows/${data.show_id}/giveaways`),
                                            api("GET", `/api/v1/shows/${data.show_id}/coupons`)]);
  if (list.ok) current = list.data.items.filter((g) => g.status !== "cancelled").at(-1) || null;
  if (pinned.ok) coupons = pinned.data.items;
  drawLive();
  drawCoupons();
  figures();
}

function syncFields() {
  const prize = gwForm.elements.prize.value;
  $("[data-gw-product-field]").hidden = prize !== "product";
  $("[data-gw-amount-field]").hidden = prize === "product";
  $("[data-gw-keyword-field]").hidden = gwForm.elements.eligibility.value !== "keyword";
}

gwForm.addEventListener("change", syncFields);
gwForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = gwForm.elements;
  const body = { title: f.title.value.trim(), prize: f.prize.value, winners: Number(f.winners.value),
                 eligibility: f.eligibility.value, duration_s: Number(f.duration_s.value) };
  if (body.prize === "product") body.product_id = Number(f.product_id.value);
  else {
    body.amount_minor = minorUnits(f.amount.value, digits);
    if (body.amount_minor === null) return showError($("[data-gw-error]"), t("gw_amount_needed"));
  }
  if (body.eligibility === "keyword") body.keyword = f.keyword.value.trim();
  const res = await api("POST", `/api/v1/shows/${data.show_id}/giveaways`, body);
  if (!res.ok) return showError($("[data-gw-error]"), problemText(res.data));
  showError($("[data-gw-error]"), "");
  current = res.data;
  drawLive();
});

$("[data-gw-draw]").addEventListener("click", async () => {
  if (!current) return;
  const res = await api("POST", `/api/v1/giveaways/${current.id}/draw`);
  if (!res.ok && res.status !== 409) showError($("[data-gw-error]"), problemText(res.data));
});

cpForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = cpForm.elements;
  const body = { quota: Number(f.quota.value), valid_hours: Number(f.valid_hours.value) };
  if (f.kind.value === "percent") body.percent_off = Number(f.value.value);
  else body.amount_off_minor = minorUnits(f.value.value, digits);
  if (f.min_spend.value.trim()) body.min_spend_minor = minorUnits(f.min_spend.value, digits) ?? -1;
  if (body.amount_off_minor === null || Number.isNaN(body.percent_off)) {
    return showError($("[data-cp-error]"), t("gw_amount_needed"));
  }
  const res = await api("POST", `/api/v1/shows/${data.show_id}/coupons`, body);
  if (!res.ok) return showError($("[data-cp-error]"), problemText(res.data));
  showError($("[data-cp-error]"), "");
  coupons = [...coupons.filter((c) => c.id !== res.data.id), res.data];
  drawCoupons();
});

document.addEventListener("livestall:room", ({ detail: { type, data: event } }) => {
  if (type === "giveaway.started") current = event;
  else if (type === "giveaway.entries" && current?.id === event.id) current.entries = event.entries;
  else if (type === "giveaway.drawn" && current?.id === event.id) {
    Object.assign(current, { status: "drawn", entries: event.entries, winner_names: event.winners.map((w) => w.name) });
    figures();
  } else if (type === "coupon.pinned") coupons = [...coupons.filter((c) => c.id !== event.id), event];
  else if (type === "coupon.claimed") coupons = coupons.map((c) => (c.id === event.id ? { ...c, remaining: event.remaining } : c));
  else if (type === "coupon.unpinned") coupons = coupons.filter((c) => c.id !== event.id);
  else return;
  drawLive();
  drawCoupons();
});

if (panel) {
  syncFields();
  load();
  setInterval(tick, 1000);
}
