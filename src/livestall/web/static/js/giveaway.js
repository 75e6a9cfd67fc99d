// The show's giveaway card and the shelf's live-only coupons. The card shows the prize, who may enter, the
// countdown and the entries; "Enter" is one `enter_giveaway` frame over the room socket (HTTP when it is down);
// once drawn it lists the winners with a link to verify the draw. Each coupon chip claims with one
// `claim_coupon` frame; a claimed coupon is the viewer's voucher, and "Use" puts its code in the buy sheet.
import { api, formatMoney, formatNumber, goLogin, pageData, problemText, serverNow, t, clock } from "./app.js";

const root = document.querySelector("[data-giveaways]");
const loggedIn = pageData.user_id !== null && pageData.user_id !== undefined;
const state = { current: null, coupons: [], entered: new Set(), claimed: new Map(), note: "" };
const $ = (sel) => root.querySelector(sel);

function money(m) { return m ? formatMoney(m.amount_minor, m.currency) : ""; }

function prizeText(g) {
  if (g.prize === "product") return t("gw_prize_product", { title: g.product_title || g.title });
  if (g.prize === "credit") return t("gw_prize_credit", { amount: money(g.amount) });
  return t("gw_prize_voucher", { amount: money(g.amount) });
}

function ruleText(g) {
  return t(`gw_rule_${g.eligibility}`, { keyword: g.keyword || "" });
}

// Frames over the room socket when it is up; the HTTP call otherwise. Resolves to {ok, data} or {ok: false, text}.
async function ask(frameType, fields, method, url) {
  const room = window.livestallShow?.room;
  if (room) {
    try {
      return { ok: true, data: await room.send(frameType, fields) };
    } catch (frame) {
      if (!["offline", "closed", "timeout"].includes(frame.code)) return { ok: false, frame };
    }
  }
  const res = await api(method, url);
  if (res.ok) return { ok: true, data: res.data };
  const error = res.data?.errors?.[0];
  return { ok: false, frame: error ? { field: error.field, rule: error.rule, message: error.message } : null,
           text: problemText(res.data) };
}

function refusal(answer, current) {
  const frame = answer.frame;
  if (frame?.rule === "not_eligible" && current) return t("gw_not_eligible", { why: ruleText(current) });
  for (const key of [`gw_refused_${frame?.rule}`, `rule_${frame?.rule}`]) if (frame?.rule && t(key) !== key) return t(key);
  if (frame?.message) return frame.message.replace(/^\w+: /, "");
  return answer.text || t("error");
}

function drawCard() {
  const g = state.current;
  const card = $("[data-giveaway]");
  card.hidden = !g;
  if (!g) return;
  const running = g.status === "running";
  card.dataset.status = g.status;
  $("[data-giveaway-title]").textContent = g.title; // the prize line below says what it is when untitled
  $("[data-giveaway-prize]").textContent = `${prizeText(g)} · ${t("gw_winners", { count: formatNumber(g.winners) })}`;
  $("[data-giveaway-rule]").textContent = ruleText(g);
  $("[data-giveaway-rule]").hidden = !running; // once drawn, the winners take its place
  $("[data-giveaway-entries]").textContent = t("gw_entries", { count: formatNumber(g.entries) });
  const enter = $("[data-giveaway-enter]");
  const entered = state.entered.has(g.id);
  enter.hidden = !running;
  enter.disabled = entered;
  enter.setAttribute("aria-pressed", String(entered));
  enter.textContent = entered ? t("gw_entered") : t("gw_enter");
  $("[data-giveaway-result]").textContent = state.note;
  const drawn = $("[data-giveaway-drawn]");
  drawn.hidden = g.status !== "drawn";
  if (g.status === "drawn") {
    $("[data-giveaway-winners]").textContent = g.winner_names.length
      ? t("gw_drawn_winners", { names: g.winner_names.join(", ") }) : t("gw_no_entries");
    $("[data-giveaway-verify]").href = g.verify_url;
  }
  tick();
}

function tick() {
  const g = state.current;
  const node = $("[data-giveaway-countdown]");
  if (!g || g.status !== "running") { node.textContent = g && g.status === "drawn" ? t("gw_closed") : ""; return; }
  const left = (Date.parse(g.ends_at) - serverNow()) / 1000;
  node.textContent = left > 0 ? t("gw_ends_in", { time: clock(left) }) : t("gw_drawing");
}

function drawCoupons() {
  const list = $("[data-coupons]");
  const template = document.getElementById("coupon-chip");
  list.replaceChildren(...state.coupons.map((c) => {
    const chip = template.content.firstElementChild.cloneNode(true);
    chip.dataset.couponId = String(c.id);
    chip.querySelector("[data-off]").textContent = c.amount_off ? t("voucher_off", { amount: money(c.amount_off) })
      : t("voucher_off", { amount: `${formatNumber(c.percent_off)}%` });
    const terms = [t("cp_valid", { hours: formatNumber(c.valid_hours) })];
    if (c.min_spend.amount_minor) terms.unshift(t("voucher_min_spend", { amount: money(c.min_spend) }));
    chip.querySelector("[data-terms]").textContent = terms.join(" · ");
    const mine = state.claimed.get(c.id);
    chip.querySelector("[data-left]").textContent = mine ? t("cp_claimed", { code: mine.code })
      : c.remaining > 0 ? t("cp_left", { count: formatNumber(c.remaining) }) : t("cp_gone");
    const claim = chip.querySelector("[data-claim]");
    claim.hidden = Boolean(mine);
    claim.disabled = !mine && c.remaining <= 0;
    const use = chip.querySelector("[data-use]");
    use.hidden = !mine;
    claim.addEventListener("click", () => claimCoupon(c, chip));
    use.addEventListener("click", () => useCode(mine.code));
    return chip;
  }));
  list.hidden = state.coupons.length === 0;
}

function drawAll() {
  root.hidden = !state.current && state.coupons.length === 0;
  drawCard();
  drawCoupons();
}

// "Use": the claimed code goes into the buy sheet's voucher field and is quoted there (checkout.js).
function useCode(code) {
  const input = document.querySelector("[data-voucher-code]");
  if (!input) return;
  input.value = code;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  document.querySelector("[data-voucher-apply]")?.click();
  document.querySelector("[data-open-sheet='bag']")?.click();
}

async function enter() {
  const g = state.current;
  if (!g) return;
  if (!loggedIn) return goLogin();
  const button = $("[data-giveaway-enter]");
  button.disabled = true;
  const answer = await ask("enter_giveaway", { giveaway_id: g.id }, "POST", `/api/v1/giveaways/${g.id}/entries`);
  if (answer.ok || answer.frame?.rule === "already_entered") {
    state.entered.add(g.id);
    state.note = "";
  } else {
    state.note = refusal(answer, g);
  }
  drawCard();
}

async function claimCoupon(coupon, chip) {
  if (!loggedIn) return goLogin();
  chip.querySelector("[data-claim]").disabled = true;
  const answer = await ask("claim_coupon", { coupon_id: coupon.id }, "POST", `/api/v1/coupons/${coupon.id}/claims`);
  if (answer.ok) {
    state.claimed.set(coupon.id, answer.data);
    drawCoupons();
  } else {
    drawCoupons();
    const row = root.querySelector(`[data-coupon-id="${coupon.id}"] [data-left]`);
    if (row) row.textContent = refusal(answer, null);
  }
}

function wonText(p) {
  if (p.status !== "delivered") return t("gw_won_missed");
  if (p.prize === "product") return t("gw_won_product", { ref: p.ref });
  if (p.prize === "credit") return t("gw_won_credit");
  return t("gw_won_voucher", { code: p.ref });
}

function onRoom(type, data) {
  const g = state.current;
  if (type === "snapshot") {
    const part = data.giveaways || {};
    state.current = part.current || null;
    state.coupons = part.coupons || [];
    for (const id of part.entered || []) state.entered.add(id);
    for (const claim of part.claimed || []) state.claimed.set(claim.coupon_id, claim);
  } else if (type === "giveaway.started") {
    state.current = data;
    state.note = "";
  } else if (type === "giveaway.entries") {
    if (g && g.id === data.id) g.entries = data.entries;
  } else if (type === "giveaway.drawn") {
    if (g && g.id === data.id) {
      Object.assign(g, { status: "drawn", entries: data.entries, seed: data.seed,
                         winner_names: data.winners.map((w) => w.name) });
    }
  } else if (type === "giveaway.prize") {
    state.note = wonText(data);
  } else if (type === "coupon.pinned") {
    state.coupons = [...state.coupons.filter((c) => c.id !== data.id), data];
  } else if (type === "coupon.claimed") {
    state.coupons = state.coupons.map((c) => (c.id === data.id ? { ...c, remaining: data.remaining } : c));
  } else if (type === "coupon.unpinned") {
    state.coupons = state.coupons.filter((c) => c.id !== data.id);
  } else if (type === "show.ended") {
    state.coupons = [];
  } else {
    return;
  }
  drawAll();
}

if (root) {
  $("[data-giveaway-enter]").addEventListener("click", enter);
  document.addEventListener("livestall:room", ({ detail }) => onRoom(detail.type, detail.data));
  setInterval(tick, 1000);
}
