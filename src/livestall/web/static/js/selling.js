// The shop and product pages: each "Buy now" ([data-buy-product]) opens the buy sheet for its product, read fresh
// from GET /products/offers; a purchase updates the stock shown ([data-stock-for]).
import { api, pageData as data, problemText, t } from "./app.js";
import { createBuySheet, stockText } from "./buy_sheet.js";

const sheet = createBuySheet({ data });

// The offer as it is now (stock, price), or why it cannot be bought.
async function offerOf(productId) {
  const res = await api("GET", `/products/offers?ids=${productId}`);
  if (!res.ok) return { error: problemText(res.data) };
  return res.data.items[0] || { error: t("rule_active_product") };
}

document.addEventListener("click", async (e) => {
  const button = e.target.closest("[data-buy-product]");
  if (!button) return;
  const productId = Number(button.dataset.buyProduct);
  button.disabled = true;
  const offer = await offerOf(productId);
  button.disabled = false;
  const note = button.parentElement.querySelector("[data-buy-note]");
  if (note) note.textContent = offer.error || "";
  if (!offer.error) sheet.open(offer);
});

document.addEventListener("livestall:bought", (e) => {
  const { offer } = e.detail;
  for (const node of document.querySelectorAll(`[data-stock-for="${offer.product_id}"]`)) node.textContent = stockText(offer.stock);
  for (const node of document.querySelectorAll(`[data-buy-product="${offer.product_id}"]`)) node.disabled = offer.stock <= 0;
});

window.livestallSelling = { sheet };
