// The studio's voucher panel: pin one of the shop's vouchers in the live show (viewers see it on the shelf and use
// its code in one tap), or take it down. The list is the vouchers the host may pin: GET /shows/{id}/vouchers.
import { api, formatMoney, lang, pageData as data, problemText, t } from "./app.js";

const panel = document.querySelector("[data-voucher-panel]");
const pick = panel.querySelector("[data-voucher-pick]");
const pinButton = panel.querySelector("[data-voucher-pin]");
const unpinButton = panel.querySelector("[data-voucher-unpin]");
const error = panel.querySelector("[data-voucher-error]");
const now = panel.querySelector("[data-voucher-pinned-now]");

function describe(v) {
  const off = v.amount_off ? formatMoney(v.amount_off.amount_minor, v.amount_off.currency)
    : new Intl.NumberFormat(lang, { style: "percent" }).format(v.percent_off / 100);
  return `${v.code} · ${t("voucher_off", { amount: off })} · ${v.festival}`;
}

function showPinned(voucher) {
  now.textContent = voucher ? t("voucher_pinned_now", { voucher: describe(voucher) }) : t("voucher_none_pinned");
  unpinButton.hidden = !voucher;
  if (voucher) pick.value = voucher.code;
}

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
}

async function load() {
  const [list, pinned] = await Promise.all([
    api("GET", `/api/v1/shows/${data.show_id}/vouchers`), api("GET", `/api/v1/shows/${data.show_id}/voucher`)]);
  if (list.ok) {
    pick.replaceChildren(...list.data.map((v) => new Option(describe(v), v.code)));
    panel.querySelector("[data-voucher-none]").hidden = list.data.length > 0;
    pick.hidden = pinButton.hidden = list.data.length === 0;
  }
  if (pinned.ok) showPinned(pinned.data.voucher);
}

pinButton.addEventListener("click", async () => {
  if (!pick.value) return;
  showError("");
  pinButton.disabled = true;
  const res = await api("PUT", `/api/v1/shows/${data.show_id}/voucher`, { code: pick.value });
  pinButton.disabled = false;
  if (res.ok) showPinned(res.data.voucher); else showError(problemText(res.data));
});

unpinButton.addEventListener("click", async () => {
  showError("");
  const res = await api("DELETE", `/api/v1/shows/${data.show_id}/voucher`);
  if (res.ok) showPinned(null); else showError(problemText(res.data));
});

load();
