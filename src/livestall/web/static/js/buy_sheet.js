// The buy sheet outside a live show (the shop, product and replay pages; templates/selling/_buy_sheet.html): option,
// quantity, shipping address and total, then one "Buy now" that orders the product at its normal price
// (POST /api/v1/orders, one Idempotency-Key per tap) and pays from the wallet.
// const sheet = createBuySheet({ data }); sheet.open(offer), where offer is an item of GET /products/offers.
// A purchase fires "livestall:bought" ({offer, order}) on the document.
import { defaultAddress, saveAddress } from "./addressbook.js";
import { api, formatMoney, formatNumber, goLogin, problemText, t } from "./app.js";
import { drawVariantPicker, variantFor } from "./variants.js";

const LOW_STOCK = 5;

// "Only 3 left", "Sold out", "In stock: 40".
export function stockText(stock) {
  if (stock <= 0) return t("sold_out");
  if (stock === 1) return t("selling_stock_one");
  if (stock <= LOW_STOCK) return t("selling_stock_few", { num: formatNumber(stock) });
  return t("stock_left", { num: formatNumber(stock) });
}

// The price of `quantity` units in the viewer's currency, and in the shop's when that differs (what pays).
export function priceText(offer, currency, quantity = 1) {
  const own = formatMoney(offer.price.amount_minor * quantity, offer.price.currency);
  const shown = offer.display_prices?.[currency];
  if (!shown || currency === offer.price.currency) return { main: own, original: "" };
  return { main: formatMoney(shown.amount_minor * quantity, currency), original: own };
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function createBuySheet({ data }) {
  const dialog = document.querySelector("[data-buy-sheet]");
  const $ = (selector) => dialog.querySelector(selector);
  const quantityInput = $("[data-sheet-quantity]");
  const addressForm = $("[data-sheet-address-form]");
  const buyButton = $("[data-sheet-buy]");
  let offer = null;
  let option = null;
  let picked = []; // the values picked on the offer's axes, when it has variants
  let address = null; // the saved address, while the form is not shown

  function showError(field, text) {
    const node = field ? dialog.querySelector(`[data-sheet-error-for="${CSS.escape(field)}"]`) : null;
    const target = node || $("[data-sheet-error]");
    target.textContent = text;
    target.hidden = !text;
    if (node && field.startsWith("shipping.")) showAddressForm();
  }

  function clearErrors() {
    for (const node of dialog.querySelectorAll("[data-sheet-error-for], [data-sheet-error]")) {
      node.textContent = "";
      node.hidden = true;
    }
  }

  function quantity() {
    const value = Number(quantityInput.value);
    return Number.isInteger(value) ? value : NaN;
  }

  // The variant the picked values name, else null (also while the offer has none).
  function variant() {
    return offer.variants?.length ? variantFor(offer.variants, picked) : null;
  }

  // What is bought: the picked variant's price and stock, else the product's.
  function current() {
    const chosen = variant();
    return chosen ? { ...offer, price: chosen.price, display_prices: chosen.display_prices, stock: chosen.stock } : offer;
  }

  function drawVariants() {
    drawVariantPicker($("[data-sheet-variants]"), { axes: offer.option_axes || [], variants: offer.variants || [], picked,
      unitsOf: (v) => v.stock, name: "sheet", onPick: (values) => {
        picked = values;
        showError("variant_id", "");
        drawOffer();
        drawVariants();
      } });
  }

  function drawTotal() {
    const count = quantity();
    const price = priceText(current(), data.currency, count >= 1 ? count : 1);
    $("[data-sheet-total]").textContent = price.main;
    $("[data-sheet-total-original]").textContent = price.original;
  }

  function drawOffer() {
    $("[data-sheet-title]").textContent = offer.title;
    const image = $("[data-sheet-image]");
    image.hidden = !offer.image_url;
    if (offer.image_url) image.src = offer.image_url;
    const now = current();
    const price = priceText(now, data.currency);
    $("[data-sheet-price]").textContent = price.main;
    $("[data-sheet-original]").textContent = price.original;
    $("[data-sheet-stock]").textContent = stockText(now.stock);
    quantityInput.max = String(Math.max(1, now.stock));
    buyButton.disabled = now.stock <= 0;
    buyButton.textContent = now.stock > 0 ? t("buy") : t("sold_out");
    drawTotal();
  }

  function drawOptions() {
    const box = $("[data-sheet-options]");
    const chips = $("[data-sheet-chips]");
    box.hidden = !offer.options.length;
    chips.replaceChildren(...offer.options.map((name) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.setAttribute("role", "radio");
      chip.setAttribute("aria-checked", String(name === option));
      chip.textContent = name;
      chip.addEventListener("click", () => {
        option = name;
        showError("option", "");
        drawOptions();
      });
      return chip;
    }));
  }

  function showAddressForm() {
    if (!addressForm.hidden) return;
    if (address) {
      for (const [name, value] of Object.entries(address)) {
        const input = addressForm.querySelector(`[name="${CSS.escape(name)}"]`);
        if (input) input.value = value || "";
      }
    }
    address = null;
    $("[data-sheet-address-summary]").hidden = true;
    addressForm.hidden = false;
  }

  function showAddress(saved) {
    address = saved;
    const summary = $("[data-sheet-address-summary]");
    summary.hidden = !saved;
    addressForm.hidden = Boolean(saved);
    if (saved) $("[data-sheet-address-text]").textContent = [saved.name, saved.line1, saved.city, saved.country].filter(Boolean).join(", ");
  }

  function shipping() {
    if (address) return address;
    const typed = {};
    for (const input of addressForm.querySelectorAll("input[name]")) typed[input.name] = input.value.trim();
    typed.country = typed.country.toUpperCase();
    if (!typed.phone) delete typed.phone;
    return typed;
  }

  async function buy() {
    clearErrors();
    if (offer.options.length && option === null) return showError("option", t("selling_choose_option"));
    const chosen = variant();
    if (offer.variants?.length && !chosen) {
      const axes = (offer.option_axes || []).filter((_, i) => picked[i] == null).join(" / ");
      return showError("variant_id", t("variant_choose", { axes }));
    }
    const stock = current().stock;
    const count = quantity();
    if (!(count >= 1 && count <= stock)) {
      return showError("quantity", t("selling_quantity_range", { num: formatNumber(stock) }));
    }
    let ship = shipping();
    if (!address) {  // typed in the sheet: kept in the address book first, refused there by its field
      const kept = await saveAddress(ship);
      if (kept.status === 401) return goLogin();
      if (!kept.ok) {
        const first = kept.data?.errors?.[0];
        return showError(first?.field ? `shipping.${String(first.field).split(".").pop()}` : null, problemText(kept.data));
      }
      ship = kept.address;
    }
    const body = { product_id: offer.product_id, quantity: count, shipping: ship, pay_with: "wallet" };
    if (chosen) body.variant_id = chosen.id;
    else if (option !== null) body.option = option;
    buyButton.disabled = true;
    buyButton.textContent = t("buying");
    const res = await api("POST", "/api/v1/orders", body, { "Idempotency-Key": newKey() });
    buyButton.textContent = t("buy");
    buyButton.disabled = false;
    if (res.status === 401) return goLogin();
    if (!res.ok) {
      const first = res.data?.errors?.[0];
      if (first?.rule === "in_stock") refreshStock();
      return showError(first?.field, problemText(res.data));
    }
    showAddress(ship);
    const order = res.data;
    let text = order.status === "paid" ? t("bought", { ref: order.ref }) : t("reserved", { ref: order.ref });
    if (order.status === "reserved" && order.payment?.error) text = `${problemText(order.payment.error)} ${text}`;
    $("[data-sheet-result-text]").textContent = text;
    $("[data-sheet-result]").hidden = false;
    buyButton.hidden = true;
    offer.stock -= count;
    if (chosen) chosen.stock -= count;
    $("[data-sheet-stock]").textContent = stockText(current().stock);
    drawVariants();
    document.dispatchEvent(new CustomEvent("livestall:bought", { detail: { offer, order } }));
  }

  async function refreshStock() {
    const res = await api("GET", `/products/offers?ids=${offer.product_id}`);
    const fresh = res.ok && res.data.items[0];
    if (fresh && fresh.product_id === offer.product_id) {
      Object.assign(offer, fresh);
      drawOffer();
      drawVariants();
    }
  }

  $("[data-sheet-less]").addEventListener("click", () => {
    quantityInput.value = String(Math.max(1, (quantity() || 1) - 1));
    drawTotal();
  });
  $("[data-sheet-more]").addEventListener("click", () => {
    quantityInput.value = String(Math.min(Math.max(1, current().stock), (quantity() || 0) + 1));
    drawTotal();
  });
  quantityInput.addEventListener("input", drawTotal);
  $("[data-sheet-address-change]").addEventListener("click", showAddressForm);
  buyButton.addEventListener("click", buy);
  // A tap on the dimmed page around the sheet closes it.
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close("cancel"); });

  async function open(chosen) {
    if (data.user_id === null || data.user_id === undefined) return goLogin();
    offer = { ...chosen, variants: (chosen.variants || []).map((v) => ({ ...v })) };
    option = offer.options.length === 1 ? offer.options[0] : null;
    picked = (offer.option_axes || []).map(() => null);
    quantityInput.value = "1";
    clearErrors();
    $("[data-sheet-result]").hidden = true;
    buyButton.hidden = false;
    drawOffer();
    drawOptions();
    drawVariants();
    showAddress(await defaultAddress());
    if (!dialog.open) dialog.showModal();
  }

  return { open, stockText, priceText };
}
