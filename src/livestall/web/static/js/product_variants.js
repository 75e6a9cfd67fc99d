// The page of a product with variants: one row of chips per axis (variants.js), the picked variant's price and
// stock, and "Buy now" (selling.js) opening the buy sheet with the same variant picked. Page data: `offer`, an item
// of GET /products/offers.
import { pageData as data, t } from "./app.js";
import { priceText, stockText } from "./buy_sheet.js";
import { drawVariantPicker, firstAvailable, variantFor } from "./variants.js";

const LOW_STOCK = 5; // as the page's "Only 3 left" (pages/products.py)
const box = document.querySelector("[data-product-variants]");
const priceLine = document.querySelector("[data-product-price]");
const buyButton = document.querySelector("[data-buy-product]");
const sheet = document.querySelector("[data-buy-sheet]");
let offer = data.offer;
const unitsOf = (variant) => variant.stock;
let picked = firstAvailable(offer.variants, unitsOf); // a combination with units left, to start from
let handOver = false; // "Buy now" was tapped: the sheet about to open takes the values picked here

function drawPrice(from) {
  const price = priceText(from, data.currency);
  const original = document.createElement("span");
  original.className = "meta";
  original.textContent = price.original;
  priceLine.replaceChildren(price.main, ...(price.original ? [" ", original] : []));
}

function draw() {
  drawVariantPicker(box, { axes: offer.option_axes, variants: offer.variants, picked, unitsOf, name: "page",
    onPick: (values) => {
      picked = values;
      draw();
    } });
  const chosen = variantFor(offer.variants, picked);
  const complete = picked.every((value) => value != null);
  drawPrice(chosen || offer);
  const stock = chosen ? chosen.stock : complete ? 0 : offer.stock;
  for (const node of document.querySelectorAll(`[data-stock-for="${offer.product_id}"]`)) {
    // a combination nobody makes is said so, not "sold out"
    node.textContent = complete && !chosen ? t("rule_existing_combination") : stockText(stock);
    node.classList.toggle("low", stock <= LOW_STOCK);
  }
  if (buyButton) buyButton.disabled = !chosen || chosen.stock <= 0;
}

buyButton?.addEventListener("click", () => { handOver = true; });
// The sheet draws its own chips before it opens: pick there what was picked here, one axis at a time.
if (sheet) {
  new MutationObserver(() => {
    if (!sheet.open || !handOver) return;
    handOver = false;
    picked.forEach((value, axis) => {
      const chip = [...sheet.querySelectorAll(`[data-picker="sheet"][data-axis="${axis}"]`)]
        .find((node) => node.dataset.value === value);
      chip?.click();
    });
  }).observe(sheet, { attributes: true, attributeFilter: ["open"] });
}

// After a purchase the sheet's offer has the units it took off: this page shows the same.
document.addEventListener("livestall:bought", ({ detail }) => {
  if (detail.offer.product_id !== offer.product_id) return;
  offer = { ...detail.offer, variants: detail.offer.variants.map((v) => ({ ...v })) };
  draw();
});

draw();
window.livestallProductVariants = { get picked() { return picked; } };
