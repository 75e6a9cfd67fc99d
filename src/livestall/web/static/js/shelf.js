// The pinned products of a show: prices in the viewer's currency, stock, flash countdowns, one-tap buy.
// const shelf = createShelf({ root, data, isLive: () => bool }); shelf.render(items); shelf.patch(id, fn);
// Each drawing fires "livestall:shelf" ({items}) on the document; a buy tap fires the cancelable "livestall:buy"
// ({item}) first, and shelf.purchase(item, {option, quantity, shipping}) buys with choices made elsewhere, paid as
// checkout.js says (the wallet, a card, a voucher). The host's pinned voucher shows above the cards, with "Use".
import { api, callsSigned, clock, formatMoney, formatNumber, goLogin, lang, problemText, serverNow, t } from "./app.js";
import { ADDRESS_FIELDS, addresses, defaultAddress, saveAddress } from "./addressbook.js";
import { createCheckout } from "./checkout.js";
import { stockText } from "./buy_sheet.js";
import { drawVariantPicker, variantFor } from "./variants.js";

export function createShelf({ root, data, isLive, isEnded = () => false }) {
  const shelfEl = root;
  const shelfList = root.querySelector("[data-shelf-items]");
  const cardTemplate = document.getElementById("product-card");
  const embedded = Boolean(data.embed);
  const loggedIn = data.user_id !== null;
  let shelf = [];
  const buyResults = new Map(); // product id -> {text, bad}: kept when the shelf is drawn again
  const chosenOptions = new Map(); // product id -> the option picked
  const pickedVariants = new Map(); // product id -> the values picked on its axes (the card's and the phone sheet's)
  const buying = new Set(); // product ids being bought now
  const drawnLive = new Set(); // product ids drawn with their flash sale on
  const checkout = createCheckout({ data, liveFlash: (item) => liveFlash(item) });
  let pinnedVoucher = null; // the voucher the host pinned in the show

  // The item's flash sale if it is on by the server's clock: a sale whose start the viewer's video has not
  // shown yet (its `flash.started` waits for the picture) can be bought at once, and says so.
  function liveFlash(item) {
    return flashOn(item.variants?.length ? chosenVariant(item)?.flash_sale : item.flash_sale);
  }

  function flashOn(sale) {
    if (!sale) return null;
    if (sale.status === "live") return sale;
    const now = serverNow();
    return sale.status === "scheduled" && now >= Date.parse(sale.starts_at) && now < Date.parse(sale.ends_at) ? sale : null;
  }

  // -- variants: the combination picked on the card or the phone's buy sheet -------------------------------

  function picked(item) {
    return pickedVariants.get(item.product_id) || (item.option_axes || []).map(() => null);
  }

  function chosenVariant(item) {
    return variantFor(item.variants, picked(item));
  }

  // Units a buyer can have of a variant now: its running flash sale's, else its own stock.
  function variantUnits(variant) {
    const sale = flashOn(variant.flash_sale);
    return sale ? sale.units_left : variant.stock;
  }

  function pick(item, values) {
    pickedVariants.set(item.product_id, values);
    buyResults.delete(item.product_id);
    renderShelf();
  }

  function drawPicker(box, item, name) {
    drawVariantPicker(box, { axes: item.option_axes || [], variants: item.variants, picked: picked(item),
      unitsOf: variantUnits, onPick: (values) => pick(item, values), name });
  }

  // The phone's buy sheet (phone.js) draws the product; the variant chips under it are drawn here.
  document.addEventListener("livestall:buy-sheet", ({ detail }) => {
    const sheet = document.querySelector('[data-sheet="buy"]');
    const after = sheet?.querySelector("[data-buy-options]");
    if (!after) return;
    let box = sheet.querySelector("[data-buy-variants]");
    if (!box) {
      box = document.createElement("div");
      box.className = "variant-picker";
      box.dataset.buyVariants = "";
      after.after(box);
    }
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset : null;
    drawPicker(box, detail.item, "sheet");
    const variant = detail.item.variants?.length ? chosenVariant(detail.item) : null;
    const stock = sheet.querySelector("[data-buy-stock]");
    if (variant && stock) stock.textContent = stockText(variantUnits(variant)); // "Only 2 left" of the picked one
    if (focused) box.querySelector(`[data-axis="${focused.axis}"][data-value="${CSS.escape(focused.value)}"]`)?.focus();
  });

  function priceFor(item) {
    const flash = liveFlash(item);
    const base = chosenVariant(item) || item; // a variant's own price, once one is picked
    const price = flash ? flash.sale_price : base.price;
    const prices = flash ? flash.display_prices : base.display_prices;
    const shown = prices && prices[data.currency];
    const money = (p, inViewers) => (inViewers ? formatMoney(inViewers.amount_minor, data.currency) : formatMoney(p.amount_minor, p.currency));
    return {
      main: money(price, shown),
      original: shown && data.currency !== price.currency ? formatMoney(price.amount_minor, price.currency) : "",
      was: flash ? money(base.price, base.display_prices && base.display_prices[data.currency]) : "", // before the flash discount
      flash,
    };
  }

  function flashText(sale, now = serverNow()) {
    if (!sale || sale.status === "ended" || sale.status === "cancelled") return "";
    const starts = Date.parse(sale.starts_at), ends = Date.parse(sale.ends_at);
    if (now < starts) return t("flash_starts", { time: clock((starts - now) / 1000) });
    if (now < ends) return t(sale.status === "live" ? "flash_ends" : "flash_ahead", { time: clock((ends - now) / 1000) });
    return "";
  }

  function unitsLeft(item) {
    const variant = item.variants?.length ? chosenVariant(item) : null;
    if (variant) return variantUnits(variant);
    const sale = liveFlash(item);
    return sale ? sale.units_left : item.stock;
  }

  function renderShelf() {
    shelfEl.hidden = shelf.length === 0 && !pinnedVoucher;
    drawVoucher();
    // Drawing again must not take the keyboard focus away from a card's button or option.
    const active = document.activeElement;
    const focusedCard = shelfList.contains(active) ? active.closest("[data-product-id]") : null;
    let focusedControl = focusedCard ? (active.hasAttribute("data-option") ? "[data-option]" : "[data-buy]") : null;
    if (focusedCard && active.dataset.picker) focusedControl = `[data-axis="${active.dataset.axis}"][data-value="${CSS.escape(active.dataset.value)}"]`;
    // An ended show sells nothing more: say so, with the way to its replay, instead of greyed-out buttons.
    const endedNote = shelfEl.querySelector("[data-shelf-ended]");
    if (endedNote) {
      endedNote.hidden = !isEnded();
      endedNote.querySelector("[data-replay-link]").href = `/shows/${data.show_id}/replay`;
    }
    drawnLive.clear();
    for (const item of shelf) if (liveFlash(item)) drawnLive.add(item.product_id);
    shelfList.replaceChildren(...shelf.map((item) => {
      const card = cardTemplate.content.firstElementChild.cloneNode(true);
      card.dataset.productId = item.product_id;
      const image = card.querySelector("[data-image]");
      if (item.image_url) image.src = item.image_url;
      card.querySelector("[data-title]").textContent = item.title;
      const price = priceFor(item);
      card.querySelector("[data-price]").textContent = price.main;
      card.querySelector("[data-original-price]").textContent = price.original;
      card.querySelector("[data-was-price]").textContent = price.was;
      const left = unitsLeft(item);
      const variant = item.variants?.length ? chosenVariant(item) : null;
      // A picked variant says "Only 2 left" or "Sold out" of itself.
      card.querySelector("[data-stock]").textContent = variant ? stockText(left)
        : left > 0 ? t("stock_left", { num: formatNumber(left) }) : t("sold_out");
      if (item.variants?.length) drawPicker(card.querySelector("[data-variants]"), item, "card");
      const flash = card.querySelector("[data-flash]");
      flash.dataset.sale = item.flash_sale ? JSON.stringify(item.flash_sale) : "";
      flash.textContent = flashText(item.flash_sale);
      flash.hidden = !flash.textContent;
      const select = card.querySelector("[data-option]");
      if (item.options && item.options.length) {
        const label = card.querySelector("[data-option-label]");
        select.id = `option-${item.product_id}`;
        label.htmlFor = select.id;
        for (const option of item.options) select.append(new Option(option, option));
        if (chosenOptions.has(item.product_id)) select.value = chosenOptions.get(item.product_id);
        select.addEventListener("change", () => chosenOptions.set(item.product_id, select.value));
        select.hidden = false;
      }
      const buy = card.querySelector("[data-buy]");
      buy.disabled = left <= 0 || !isLive() || buying.has(item.product_id);
      buy.hidden = isEnded();
      buy.textContent = buying.has(item.product_id) ? t("buying") : left > 0 ? t("buy") : t("sold_out");
      buy.addEventListener("click", () => buyNow(item));
      const result = buyResults.get(item.product_id);
      if (result) {
        const node = card.querySelector("[data-buy-result]");
        node.textContent = result.text;
        node.classList.toggle("bad", result.bad);
      }
      return card;
    }));
    if (focusedCard) {
      shelfList.querySelector(`[data-product-id="${focusedCard.dataset.productId}"] ${focusedControl}`)?.focus();
    }
    if (data.buy && !embedded) {
      const wanted = shelfList.querySelector(`[data-product-id="${CSS.escape(String(data.buy))}"]`);
      if (wanted) {
        data.buy = null;
        wanted.scrollIntoView({ block: "nearest" });
        wanted.querySelector("[data-buy]").focus();
      }
    }
    // Other views of the shelf (the phone's bag, its pinned-product card) draw from the same items.
    document.dispatchEvent(new CustomEvent("livestall:shelf", { detail: { items: shelf } }));
  }

  function tickFlash() {
    // A sale that just started by the server's clock changes the price and stock shown: draw it all again.
    if (shelf.some((item) => item.flash_sale?.status === "scheduled" && Boolean(liveFlash(item)) !== drawnLive.has(item.product_id))) {
      renderShelf();
      return;
    }
    for (const node of shelfList.querySelectorAll("[data-flash]")) {
      if (!node.dataset.sale) continue;
      node.textContent = flashText(JSON.parse(node.dataset.sale));
      node.hidden = !node.textContent;
    }
  }
  async function refreshShelf() {
    const res = await api("GET", `/api/v1/shows/${data.show_id}/pins`);
    if (res.ok) {
      shelf = res.data.items;
      renderShelf();
    }
  }

  function patchItem(productId, change) {
    const item = shelf.find((i) => i.product_id === productId);
    if (!item) return;
    change(item);
    renderShelf();
  }

  // -- buying --------------------------------------------------------------------------------------

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // -- addresses: the buyer's address book (addressbook.js) -----------------------------------------------

  // The address sheet: what is typed there goes into the address book before it is used; the book's refusal is
  // shown by its field and the sheet stays open.
  async function askAddress() {
    const { clearErrors, showErrors } = await import("./shipping.js");
    const dialog = document.querySelector("[data-address-dialog]");
    const form = dialog.querySelector("[data-address-form]");
    const general = dialog.querySelector("[data-address-error]");
    clearErrors(form);
    general.hidden = true;
    // The book's addresses, one tap each to put in the form: sent as they are, they are not added again.
    const choices = dialog.querySelector("[data-address-choices]");
    choices.replaceChildren(...addresses().map((address) => {
      const choice = document.createElement("button");
      Object.assign(choice, { type: "button", className: "chip" });
      choice.textContent = [address.name, address.line1, address.city].join(", ");
      choice.addEventListener("click", () => {
        for (const name of ADDRESS_FIELDS) if (form.elements[name]) form.elements[name].value = address[name] || "";
        for (const other of choices.children) other.setAttribute("aria-pressed", String(other === choice));
      });
      choice.setAttribute("aria-pressed", "false");
      return choice;
    }));
    choices.hidden = addresses().length === 0;
    return new Promise((resolve) => {
      async function closed() {
        if (dialog.returnValue !== "ok") return resolve(null);
        const typed = Object.fromEntries(ADDRESS_FIELDS.map((name) => [name, form.elements[name]?.value.trim() || ""]));
        const kept = await saveAddress(typed);
        if (kept.ok) return resolve(kept.address);
        if (kept.status === 401) {
          goLogin();
          return resolve(null);
        }
        dialog.returnValue = "";
        dialog.addEventListener("close", closed, { once: true });
        dialog.showModal();
        showErrors(form, kept.data, general);
      }
      dialog.addEventListener("close", closed, { once: true });
      dialog.showModal();
    });
  }

  // Over the room socket when it is up (the same purchase, already logged in, no new connection); over
  // HTTP when it is not, or when it dropped before answering: the same key makes at most one order.
  async function placeOrder(body) {
    const key = newKey();
    const room = callsSigned() ? null : window.livestallShow?.room; // a signed player's socket is anonymous
    if (room) {
      try {
        const answer = await room.send("buy", { ...body, key });
        return { ok: true, status: answer.replayed ? 200 : 201, data: answer.order };
      } catch (frame) {
        if (!["offline", "closed", "timeout"].includes(frame.code)) {
          const message = frame.field && frame.message?.startsWith(`${frame.field}: `)
            ? frame.message.slice(frame.field.length + 2) : frame.message;
          const status = frame.code === "unauthorized" ? 401 : 409;
          const errors = frame.field ? [{ field: frame.field, message, rule: frame.rule }] : [];
          return { ok: false, status, data: { detail: message, errors } };
        }
      }
    }
    return api("POST", `/api/v1/shows/${data.show_id}/buy`, body, { "Idempotency-Key": key });
  }

  function setBuyResult(productId, text, bad = false) {
    buyResults.set(productId, { text, bad });
    renderShelf();
  }

  async function buyNow(item) {
    if (embedded) {
      // Another site's page has no login of ours: buy on the show page, in the same order flow.
      window.open(`/shows/${data.show_id}?buy=${item.product_id}`, "_blank", "noopener");
      return;
    }
    if (!loggedIn) {
      location.href = `/login?next=${encodeURIComponent(`/shows/${data.show_id}?buy=${item.product_id}`)}`;
      return;
    }
    // Another view of the shelf (the phone's buy sheet) may take the tap, to let the buyer choose first.
    if (!document.dispatchEvent(new CustomEvent("livestall:buy", { detail: { item }, cancelable: true }))) return;
    const card = shelfList.querySelector(`[data-product-id="${item.product_id}"]`);
    const option = card.querySelector("[data-option]");
    const chosen = option.hidden ? null : option.value;
    let shipping = await defaultAddress();
    if (!shipping) shipping = await askAddress();
    if (!shipping) return;
    await purchase(item, { option: chosen, shipping });
  }

  // One purchase, over the room socket or HTTP; resolves to {ok, text, order?, badAddress?}, and the card shows the
  // text too.
  async function purchase(item, { option = null, quantity = 1, shipping }) {
    if (item.variants?.length && !chosenVariant(item)) {
      const axes = (item.option_axes || []).filter((_, i) => picked(item)[i] == null).join(" / ");
      const text = t("variant_choose", { axes });
      setBuyResult(item.product_id, text, true);
      return { ok: false, text };
    }
    const pay = checkout.payment();
    if (pay.error) { // the voucher was refused before the tap: nothing is ordered until it is fixed or removed
      setBuyResult(item.product_id, pay.error, true);
      return { ok: false, text: pay.error };
    }
    buying.add(item.product_id);
    buyResults.delete(item.product_id);
    renderShelf();
    // With a voucher the order is reserved first, then paid from the wallet less the discount.
    const body = { product_id: item.product_id, quantity, shipping, ...(pay.code ? {} : { pay_with: pay.method }) };
    if (item.variants?.length) body.variant_id = chosenVariant(item).id;
    else if (option !== null) body.option = option;
    const res = await placeOrder(body);
    const voucherPaid = res.ok && pay.code ? await payWithVoucher(res.data, pay.code) : null;
    buying.delete(item.product_id);
    if (res.status === 401) {
      goLogin();
      return { ok: false, text: "" };
    }
    if (!res.ok) {
      const badAddress = Boolean(res.data?.errors?.some((e) => e.field.startsWith("shipping")));
      const text = problemText(res.data);
      setBuyResult(item.product_id, text, true);
      return { ok: false, text, badAddress };
    }
    const order = res.data;
    if (order.payment?.checkout_url && order.status === "reserved") {
      setBuyResult(item.product_id, t("checkout_opening"));
      location.assign(order.payment.checkout_url); // a card: paid on Stripe's page, back to the order after
      return { ok: true, text: t("checkout_opening"), order };
    }
    let text = order.status === "paid" ? t("bought", { ref: order.ref }) : t("reserved", { ref: order.ref });
    // Kept unpaid (a short wallet, a voucher refused): why, in the page's language.
    const refused = voucherPaid?.ok === false ? voucherPaid.data : order.payment?.error;
    if (order.status === "reserved" && refused) text = `${problemText(refused)} ${text}`;
    if (voucherPaid?.ok) {
      const { discount } = voucherPaid.data;
      text = `${t("bought", { ref: order.ref })} ${t("voucher_saved", { amount: formatMoney(discount.amount_minor, discount.currency) })}`;
    }
    checkout.paid(Boolean(voucherPaid?.ok));
    setBuyResult(item.product_id, text);
    return { ok: true, text, order };
  }

  // Pay the reserved order with the voucher; the order stands reserved if it is refused.
  async function payWithVoucher(order, code) {
    const res = await api("POST", `/api/v1/orders/${order.id}/pay-with-voucher`, { code });
    if (res.ok) order.status = res.data.order_status;
    return res;
  }

  // -- the pinned voucher --------------------------------------------------------------------------

  function voucherOff(voucher) {
    if (voucher.amount_off) return formatMoney(voucher.amount_off.amount_minor, voucher.amount_off.currency);
    return new Intl.NumberFormat(lang, { style: "percent" }).format(voucher.percent_off / 100);
  }

  function drawVoucher() {
    const card = shelfEl.querySelector("[data-shelf-voucher]");
    if (!card) return;
    card.hidden = !pinnedVoucher || isEnded();
    if (!pinnedVoucher) return;
    const v = pinnedVoucher;
    card.querySelector("[data-pinned-voucher-code]").textContent = v.code;
    card.querySelector("[data-pinned-voucher-off]").textContent = t("voucher_off", { amount: voucherOff(v) });
    const terms = v.min_spend.amount_minor > 0
      ? t("voucher_min_spend", { amount: formatMoney(v.min_spend.amount_minor, v.min_spend.currency) }) : "";
    card.querySelector("[data-pinned-voucher-terms]").textContent = terms;
    const use = card.querySelector("[data-voucher-use]");
    const used = checkout.code === v.code;
    use.setAttribute("aria-pressed", String(used));
    use.textContent = used ? t("voucher_in_use") : t("voucher_use");
  }

  async function refreshVoucher() {
    const res = await api("GET", `/api/v1/shows/${data.show_id}/voucher`);
    if (res.ok) {
      pinnedVoucher = res.data.voucher;
      renderShelf();
    }
  }

  shelfEl.querySelector("[data-voucher-use]")?.addEventListener("click", () => {
    if (!pinnedVoucher) return;
    if (!loggedIn) {
      goLogin();
      return;
    }
    checkout.use(checkout.code === pinnedVoucher.code ? "" : pinnedVoucher.code); // a second tap takes it off
    drawVoucher();
  });

  // What the room says about the shelf: pins, sales, stock and flash sales.
  function onEvent(type, event) {
    const isFlash = (item) => event.flash_sale_id && item.flash_sale && item.flash_sale.id === event.flash_sale_id;
    const setLeft = (left) => (item) => {
      const variant = event.variant_id ? (item.variants || []).find((v) => v.id === event.variant_id) : null;
      if (variant) {  // one variant's units; the product's total stays their sum
        if (event.flash_sale_id && variant.flash_sale?.id === event.flash_sale_id) variant.flash_sale.units_left = left;
        else if (!event.flash_sale_id) variant.stock = left;
        item.stock = item.variants.reduce((sum, v) => sum + v.stock, 0);
      }
      if (isFlash(item)) item.flash_sale.units_left = left;
      else if (!variant) item.stock = left;
    };
    if (type === "voucher.pinned" || type === "voucher.unpinned") {
      pinnedVoucher = type === "voucher.pinned" ? event : null;
      renderShelf();
    } else if (type === "pin.changed") {
      shelf = event.items;
      renderShelf();
    } else if (type === "sale.made" || type === "stock.changed") patchItem(event.product_id, setLeft(event.units_left));
    else if (type === "product.sold_out") patchItem(event.product_id, setLeft(0));
    else if (type.startsWith("flash.")) refreshShelf();
  }

  setInterval(tickFlash, 1000);
  if (!embedded) {
    // Each snapshot (the room joined, or joined again after missing a pin) brings the voucher pinned now.
    document.addEventListener("livestall:room", ({ detail }) => { if (detail.type === "snapshot") refreshVoucher(); });
  }
  return {
    event: onEvent,
    render(items) { shelf = items; renderShelf(); },
    items: () => shelf, // as last drawn: what a tap on a drawn card buys
    patch: patchItem,
    refresh: refreshShelf,
    redraw: renderShelf,
    isLive,
    priceFor,
    liveFlash,
    unitsLeft,
    chosenVariant,
    flashText,
    defaultAddress,
    askAddress,
    purchase,
  };
}
