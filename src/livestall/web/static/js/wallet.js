// The wallet page's top-up form (shown only when Stripe is offered): asks the checkout API for a payment page and
// sends the browser there; Stripe's webhook then puts the money into the wallet.
import { api, goLogin, minorUnits, problemText, t } from "./app.js";

const form = document.querySelector("[data-topup-form]");
const error = form.querySelector("[data-topup-error]");

function showError(text) {
  error.textContent = text;
  error.hidden = !text;
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const currency = form.elements.currency.value;
  const digits = Number(form.elements.currency.selectedOptions[0]?.dataset.digits ?? 2);
  const amountMinor = minorUnits(form.elements.amount.value, digits);
  if (amountMinor === null) {
    form.elements.amount.setAttribute("aria-invalid", "true");
    return showError(t("money_format"));
  }
  form.elements.amount.removeAttribute("aria-invalid");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showError("");
  const res = await api("POST", "/api/v1/me/wallet/checkout", { amount_minor: amountMinor, currency, provider: "stripe" });
  if (res.status === 401) return goLogin();
  if (!res.ok || !res.data?.checkout_url) {
    button.disabled = false;
    return showError(problemText(res.data));
  }
  button.textContent = t("checkout_opening");
  location.assign(res.data.checkout_url);
});
