// The operator's top-up form: shows what the typed amount will add, in the wallet's currency, before it is sent.
import { formatMoney, minorUnits, t } from "/static/js/app.js";

const form = document.querySelector("[data-topup-form]");
const preview = form?.querySelector("[data-topup-preview]");

function update() {
  const amount = form.querySelector("[name=amount]").value;
  const currency = form.querySelector("[name=currency]");
  const digits = Number(currency.selectedOptions[0]?.dataset.digits ?? 2);
  if (!amount.trim()) {
    preview.hidden = true;
    return;
  }
  const minor = minorUnits(amount, digits);
  preview.hidden = false;
  preview.classList.toggle("error", minor === null);
  preview.textContent = minor === null ? t("money_format")
    : preview.dataset.text.replace("%(amount)s", formatMoney(minor, currency.value));
}

if (form && preview) {
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}
