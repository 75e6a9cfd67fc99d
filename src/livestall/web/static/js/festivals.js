// A festival's page: the countdown to its start (then to its end), and the GMV leaderboard, polled live.
// On the operator's setup page: a refused form is brought into view.
import { api, clock, formatMoney, formatNumber, lang, pageData } from "/static/js/app.js";

const S = pageData.strings || {};
const startsAt = Date.parse(pageData.starts_at);
const endsAt = Date.parse(pageData.ends_at);
const label = document.querySelector("[data-clock-label]");
const clockEl = document.querySelector("[data-festival-clock]");

function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const rest = clock(seconds % 86400);
  if (!days) return rest;
  let dayText;
  try {
    dayText = new Intl.NumberFormat(lang, { style: "unit", unit: "day", unitDisplay: "long" }).format(days);
  } catch {
    dayText = `${days}d`;
  }
  return `${dayText} ${rest}`;
}

function tick() {
  const now = Date.now();
  if (now < startsAt) {
    label.textContent = S.starts_in;
    clockEl.textContent = duration(startsAt - now);
  } else if (now < endsAt) {
    label.textContent = S.ends_in;
    clockEl.textContent = duration(endsAt - now);
  } else {
    label.textContent = S.ended;
    clockEl.textContent = "";
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function render(board) {
  const set = (name, text) => {
    const el = document.querySelector(`[data-figure="${name}"]`);
    if (el) el.textContent = text;
  };
  set("gmv", formatMoney(board.gmv.amount_minor, board.gmv.currency));
  set("orders", formatNumber(board.orders));
  set("units", formatNumber(board.units));
  set("shops", formatNumber(board.shops));
  const body = document.querySelector("[data-leaderboard] tbody");
  const rows = board.leaderboard.map((row) => {
    const tr = document.createElement("tr");
    tr.dataset.shopId = row.shop_id;
    const link = document.createElement("a");
    link.href = `/shops/${row.shop_id}`;
    link.textContent = row.name;
    const name = document.createElement("td");
    name.append(link);
    tr.append(cell(formatNumber(row.rank)), name, cell(formatMoney(row.gmv.amount_minor, row.gmv.currency)),
      cell(formatNumber(row.orders)), cell(formatNumber(row.units)));
    return tr;
  });
  body.replaceChildren(...rows);
  document.querySelector("[data-board-empty]").hidden = rows.length > 0;
}

async function poll() {
  if (!document.hidden) {
    const res = await api("GET", `/api/v1/festivals/${pageData.festival_id}/leaderboard`);
    if (res.ok && res.data) render(res.data);
  }
  setTimeout(poll, pageData.poll_ms || 5000);
}

if (clockEl && label) {
  tick();
  setInterval(tick, 1000);
}
if (pageData.festival_id) setTimeout(poll, pageData.poll_ms || 5000);

const jump = document.querySelector("[data-jump]");
const refused = jump && document.getElementById(jump.dataset.jump)?.querySelector(".field.invalid input");
if (refused) {
  refused.scrollIntoView({ block: "center" });
  refused.focus({ preventScroll: true });
}
