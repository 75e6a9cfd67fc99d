// How a purchase is paid: the wallet with its balance, or a card on Stripe's page where the site offers it; a voucher
// code (typed, or the show's pinned voucher used in one tap) whose discount is quoted before paying; and, in the
// phone's buy sheet, what is missing before the tap. The sheet itself (product, quantity, address, total) is drawn
// by phone.js, which fires "livestall:buy-sheet" ({item, quantity, total, address}) after each drawing.
// const checkout = createCheckout({ data, liveFlash }); checkout.payment(); checkout.use(code); checkout.paid(ok).
import { api, formatMoney, problemText, t } from "./app.js";

export function createCheckout({ data, liveFlash }) {
  const sheet = document.querySelector('[data-sheet="buy"]');
  const state = {
    code: "", // the voucher code to pay with (applied), "" for none
    quote: null, // the server's quote for code and total: {discount, to_pay}
    error: "", // why the code cannot be used, in the page's language
    wallet: undefined, // currency -> balance in minor units; undefined until read, null if unreadable
    drawn: null, // the sheet's last drawing: {item, quantity, total, address}
    quoting: null, // the code, total and currency being quoted now
    answered: null, // ... and those the current quote or error is for
  };
  let asked = 0; // the newest quote asked: older answers are dropped

  const $ = (selector) => sheet?.querySelector(selector);
  const codeInput = $("[data-voucher-code]");

  function method() {
    return sheet?.querySelector("[data-pay-method]:checked")?.value || "wallet";
  }

  // The order's total in the shop's currency (what the wallet or the card pays), before any voucher.
  function orderTotal(item, quantity) {
    const flash = liveFlash(item);
    const unit = flash ? flash.sale_price : item.price;
    return { amount_minor: unit.amount_minor * quantity, currency: unit.currency };
  }

  async function readWallet() {
    state.reading = true;
    const res = await api("GET", "/api/v1/me/wallet");
    state.reading = false;
    state.wallet = res.ok
      ? Object.fromEntries(res.data.wallets.map((w) => [w.balance.currency, w.balance.amount_minor])) : null;
    draw();
  }

  async function quote() {
    const drawn = state.drawn;
    if (!state.code || !drawn) return;
    const total = orderTotal(drawn.item, drawn.quantity);
    const key = `${state.code}|${total.amount_minor}|${total.currency}`;
    if (state.answered === key || state.quoting === key) return; // asked already, right or wrong
    const mine = ++asked;
    state.quoting = key;
    if (state.quote) {
      state.quote = null; // for another total: no discount shown until the new one is known
      draw();
    }
    const res = await api("POST", "/api/v1/vouchers/quote",
      { code: state.code, shop_id: data.shop_id, amount_minor: total.amount_minor, currency: total.currency });
    if (mine !== asked) return;
    state.quoting = null;
    state.answered = key;
    state.quote = res.ok ? { discount: res.data.discount, to_pay: res.data.to_pay, code: res.data.code } : null;
    state.error = res.ok ? "" : problemText(res.data);
    draw();
  }

  function apply(code) {
    state.code = (code || "").trim().toUpperCase();
    state.quote = null;
    state.answered = null;
    state.error = "";
    if (codeInput) codeInput.value = state.code;
    if (state.code && method() === "stripe") sheet.querySelector('[data-pay-method][value="wallet"]').checked = true;
    draw();
    quote();
  }

  function line(text, link) {
    const li = document.createElement("li");
    li.append(text);
    if (link) li.append(" ", link);
    return li;
  }

  // The discount, what is left to pay and what is missing, after the rest of the sheet is drawn.
  function draw() {
    const drawn = state.drawn;
    if (!sheet || !drawn) return;
    const total = orderTotal(drawn.item, drawn.quantity);
    const voucherUsed = Boolean(state.code && state.quote);
    const result = $("[data-voucher-result]");
    result.hidden = !state.code || (!state.error && !state.quote);
    result.classList.toggle("bad", Boolean(state.error));
    result.textContent = state.error || (voucherUsed ? t("voucher_applied", { code: state.quote.code }) : "");
    $("[data-voucher-discount-line]").hidden = !voucherUsed;
    $("[data-to-pay-line]").hidden = !voucherUsed;
    if (voucherUsed) {
      $("[data-voucher-applied-code]").textContent = state.quote.code;
      $("[data-voucher-discount]").textContent = `−${formatMoney(state.quote.discount.amount_minor, total.currency)}`;
      $("[data-to-pay]").textContent = formatMoney(state.quote.to_pay.amount_minor, total.currency);
    }
    for (const input of sheet.querySelectorAll("[data-pay-method]")) {
      if (input.value !== "wallet") input.disabled = Boolean(state.code); // a voucher is paid from the wallet
    }
    const toPay = voucherUsed ? state.quote.to_pay.amount_minor : total.amount_minor;
    const missing = [];
    if (!drawn.address) {
      const add = Object.assign(document.createElement("button"),
        { type: "button", className: "link", textContent: t("add_address") });
      add.addEventListener("click", () => $("[data-buy-change-address]").click());
      missing.push(line(t("address_missing"), add));
    }
    if (method() === "wallet" && state.wallet !== undefined) {
      const balance = state.wallet?.[total.currency] ?? 0;
      if (balance < toPay) {
        const topUp = Object.assign(document.createElement("a"), { href: "/account/wallet", textContent: t("top_up") });
        topUp.dataset.topUp = "";
        missing.push(line(t("wallet_short", { balance: formatMoney(balance, total.currency),
          missing: formatMoney(toPay - balance, total.currency) }), topUp));
      }
    }
    const list = $("[data-buy-wallet-short]");
    list.replaceChildren(...missing);
    list.hidden = missing.length === 0;
  }

  if (sheet) {
    document.addEventListener("livestall:buy-sheet", ({ detail }) => {
      state.drawn = detail;
      if (state.wallet === undefined && !state.reading) readWallet();
      draw();
      quote();
    });
    sheet.addEventListener("close", () => { state.wallet = undefined; }); // read again at the next opening
    $("[data-voucher-apply]").addEventListener("click", () => apply(codeInput.value));
    codeInput.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault(); // Enter applies the code; only the button buys
      apply(codeInput.value);
    });
    codeInput.addEventListener("input", () => {
      if (codeInput.value.trim().toUpperCase() === state.code) return;
      state.code = ""; // typed over: nothing applied until "Apply"
      state.quote = null;
      state.answered = null;
      state.error = "";
      draw();
    });
    for (const input of sheet.querySelectorAll("[data-pay-method]")) input.addEventListener("change", draw);
  }

  return {
    // How to pay the next purchase: {method: "wallet" | "stripe", code: the voucher's or null, error: why the
    // voucher was refused when it was quoted, else ""}.
    payment() {
      return { method: state.code ? "wallet" : method(), code: state.code || null, error: state.code ? state.error : "" };
    },
    // The show's pinned voucher, used in one tap: its code fills the sheet's field.
    use: apply,
    get code() { return state.code; },
    // After a purchase: a voucher that paid is spent; the wallet is read again.
    paid(voucherUsed) {
      if (voucherUsed) apply("");
      if (state.drawn) readWallet();
    },
  };
}
