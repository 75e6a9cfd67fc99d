// The show page on a phone (under 700 px): the full-screen vertical player with overlays. It is the same page as
// on a desktop; phone.css lays it out, and this module does what a layout cannot: it moves the shelf, the
// questions and the openings into bottom sheets, runs the buy sheet (option, quantity, address, wallet, one tap),
// the pinned product's card, the bag's count and rising hearts, and swipes to the next or previous live show.
import { api, formatMoney, formatNumber, pageData as data, t } from "./app.js";

const PHONE = window.matchMedia("(max-width: 699.98px)");
const CALM = window.matchMedia("(prefers-reduced-motion: reduce)");
const sheets = new Map([...document.querySelectorAll("dialog[data-sheet]")].map((d) => [d.dataset.sheet, d]));

if (sheets.size) setUp(); // the embed has no sheets: nothing to do there

function setUp() {
  const labels = JSON.parse(document.getElementById("phone-labels")?.textContent || "{}");
  const loggedIn = data.user_id !== null;
  const layout = document.querySelector(".watch-layout");
  const stage = document.querySelector("[data-stage]");
  const video = document.getElementById("video");
  const shelf = () => window.livestallShow?.shelf;
  let items = [];

  // -- sheets: the shelf, the questions and the openings live in them on a phone ------------------------------

  const movable = {
    shelf: document.querySelector("[data-shelf]"),
    questions: document.getElementById("panel-questions"),
    openings: document.querySelector("[data-openings]"),
  };
  const homes = new Map(); // a moved node -> the placeholder where it goes back on a wider screen

  function arrange() {
    const phone = PHONE.matches;
    for (const [name, node] of Object.entries(movable)) {
      if (!node) continue;
      const slot = document.querySelector(`[data-sheet-slot="${name}"]`);
      if (phone && !homes.has(node)) {
        const mark = document.createComment(name);
        node.before(mark);
        homes.set(node, mark);
        slot.append(node);
      } else if (!phone && homes.has(node)) {
        homes.get(node).replaceWith(node);
        homes.delete(node);
      }
    }
    // The chat overlay is the chat tab; the questions have a sheet of their own.
    const questionsTab = document.getElementById("tab-questions");
    if (phone && questionsTab?.getAttribute("aria-selected") === "true") document.getElementById("tab-chat")?.click();
    if (movable.questions) movable.questions.hidden = !phone && questionsTab?.getAttribute("aria-selected") !== "true";
    if (!phone) for (const sheet of sheets.values()) if (sheet.open) sheet.close();
  }
  arrange();
  PHONE.addEventListener("change", arrange);

  function openSheet(name) {
    const sheet = sheets.get(name);
    if (sheet && !sheet.open) sheet.showModal();
    return sheet;
  }

  document.addEventListener("click", (e) => {
    const opener = e.target.closest("[data-open-sheet]");
    if (opener) openSheet(opener.dataset.openSheet);
    const closer = e.target.closest("[data-close-sheet]");
    if (closer) closer.closest("dialog").close();
  });
  for (const sheet of sheets.values()) {
    // A tap on the dimmed video around the sheet closes it (the dialog itself is only hit outside its body).
    sheet.addEventListener("click", (e) => { if (e.target === sheet) sheet.close(); });
    dragToClose(sheet);
  }

  // Pulling a sheet down by its head closes it, as on the native apps.
  function dragToClose(sheet) {
    const head = sheet.querySelector(".sheet-head");
    let start = null;
    head.addEventListener("pointerdown", (e) => {
      if (e.target.closest("button")) return;
      start = { y: e.clientY, id: e.pointerId };
      head.setPointerCapture(e.pointerId);
    });
    head.addEventListener("pointermove", (e) => {
      if (start?.id !== e.pointerId) return;
      sheet.style.transform = `translateY(${Math.max(0, e.clientY - start.y)}px)`;
    });
    const end = (e) => {
      if (start?.id !== e.pointerId) return;
      const pulled = e.clientY - start.y;
      start = null;
      sheet.style.transform = "";
      if (pulled > 80) sheet.close();
    };
    head.addEventListener("pointerup", end);
    head.addEventListener("pointercancel", end);
  }

  // -- the bag, the pinned product's card, counts --------------------------------------------------------------

  const bagCount = document.querySelector("[data-bag-count]");
  const pinned = document.querySelector("[data-phone-pinned]");

  function latestPin() {
    return items.reduce((best, item) => (!best || item.pinned_at > best.pinned_at ? item : best), null);
  }

  function drawPinned() {
    const item = shelf()?.isLive() ? latestPin() : null;
    pinned.hidden = !item;
    if (!item) return;
    pinned.dataset.productId = item.product_id;
    const image = pinned.querySelector("[data-image]");
    image.hidden = !item.image_url;
    if (item.image_url && image.getAttribute("src") !== item.image_url) image.src = item.image_url;
    pinned.querySelector("[data-title]").textContent = item.title;
    const price = shelf().priceFor(item);
    pinned.querySelector("[data-price]").textContent = price.main;
    pinned.querySelector("[data-was-price]").textContent = price.was;
    const flash = shelf().flashText(item.flash_sale);
    const tag = pinned.querySelector("[data-tag]");
    tag.textContent = flash || labels.now_showing;
    tag.classList.toggle("flash", Boolean(flash));
  }

  let wanted = data.buy; // ?buy=ID after logging in to buy (or from the embed): open that product's buy sheet
  document.addEventListener("livestall:shelf", ({ detail }) => {
    items = detail.items;
    if (shelf()) drawShelf();
    else setTimeout(drawShelf); // the page's first drawing comes before show.js has finished
  });

  function drawShelf() {
    bagCount.textContent = formatNumber(items.length);
    bagCount.hidden = items.length === 0;
    document.querySelector("[data-bag-total]").textContent = items.length ? formatNumber(items.length) : "";
    document.querySelector("[data-bag-empty]").hidden = items.length > 0;
    drawPinned();
    if (sheets.get("buy").open) drawBuy();
    const asked = wanted && items.find((i) => String(i.product_id) === String(wanted));
    if (asked && PHONE.matches) {
      wanted = null;
      if (loggedIn) openBuy(asked);
      else { // from the embed, say: the product in the bag, its button ready (it asks to log in)
        openSheet("bag");
        movable.shelf.querySelector(`[data-product-id="${CSS.escape(String(asked.product_id))}"] [data-buy]`)?.focus();
      }
    }
  }
  pinned.addEventListener("click", () => {
    const item = items.find((i) => String(i.product_id) === pinned.dataset.productId);
    if (item) askToBuy(item);
  });
  setInterval(() => { if (PHONE.matches) drawPinned(); }, 1000); // the flash countdown on the card

  // The questions count and whether there are openings, mirrored onto the phone's buttons.
  const questionCount = document.querySelector("[data-question-count]");
  const phoneQuestionCount = document.querySelector("[data-phone-question-count]");
  if (questionCount) {
    new MutationObserver(() => {
      phoneQuestionCount.textContent = questionCount.textContent;
      phoneQuestionCount.hidden = !questionCount.textContent;
    }).observe(questionCount, { childList: true, characterData: true, subtree: true });
  }
  const openingsButton = document.querySelector(".phone-openings");
  if (movable.openings) {
    const mirror = () => { openingsButton.hidden = movable.openings.hidden; };
    new MutationObserver(mirror).observe(movable.openings, { attributes: true, attributeFilter: ["hidden"] });
    mirror();
  }

  // The phone's own follow button says only "Follow"; the wide layout's keeps the name. Each follows the other.
  for (const phoneFollow of document.querySelectorAll(".phone-follow")) {
    const wide = document.querySelector(`.actions [data-follow="${phoneFollow.dataset.follow}"][data-target="${phoneFollow.dataset.target}"]`);
    if (!wide) continue;
    const sync = (from, to, label) => new MutationObserver(() => {
      const on = from.getAttribute("aria-pressed");
      if (to.getAttribute("aria-pressed") === on) return;
      to.setAttribute("aria-pressed", on);
      to.textContent = label(on === "true");
    }).observe(from, { attributes: true, attributeFilter: ["aria-pressed"] });
    const name = wide.textContent.slice(wide.textContent.indexOf("·"));
    sync(phoneFollow, wide, (on) => `${on ? t("following") : t("follow")} ${name}`);
    sync(wide, phoneFollow, (on) => (on ? t("following") : t("follow")));
  }

  // -- the buy sheet --------------------------------------------------------------------------------------------

  const buySheet = sheets.get("buy");
  const buyForm = buySheet.querySelector("[data-buy-form]");
  const quantityInput = buySheet.querySelector("[data-buy-qty]");
  const buyResult = buySheet.querySelector("[data-buy-outcome]");
  const buy = { id: null, option: null, quantity: 1, address: null, wallet: undefined, busy: false };
  const chosenOptions = new Map(); // product id -> option, kept while the page is open
  const changeAddress = buySheet.querySelector("[data-buy-change-address]");
  const changeLabel = changeAddress.textContent; // "Change"; with no address yet it says "Add a delivery address"

  function askToBuy(item) {
    if (!loggedIn) {
      location.href = `/login?next=${encodeURIComponent(`/shows/${data.show_id}?buy=${item.product_id}`)}`;
      return;
    }
    openBuy(item);
  }

  // The shelf's own buy buttons ask first on a phone: the sheet picks the option and quantity.
  document.addEventListener("livestall:buy", (e) => {
    if (!PHONE.matches) return;
    e.preventDefault();
    openBuy(e.detail.item);
  });

  async function openBuy(item) {
    if (buy.id !== item.product_id) {
      buy.id = item.product_id;
      buy.quantity = 1;
      buyResult.textContent = "";
    }
    buy.option = chosenOptions.get(item.product_id) ?? (item.options?.length ? item.options[0] : null);
    drawBuy();
    openSheet("buy");
    const [address, wallet] = await Promise.all([shelf().defaultAddress(), walletBalances()]);
    buy.address = buy.address || address;
    buy.wallet = wallet;
    drawBuy();
  }

  async function walletBalances() {
    const res = await api("GET", "/api/v1/me/wallet");
    return res.ok ? Object.fromEntries(res.data.wallets.map((w) => [w.balance.currency, w.balance.amount_minor])) : null;
  }

  // The price of one unit now: in the shop's currency (what the wallet pays) and in the viewer's, if shown.
  function unitPrice(item) {
    const flash = shelf().liveFlash(item);
    const prices = flash ? flash.display_prices : item.display_prices;
    return { price: flash ? flash.sale_price : item.price, shown: prices && prices[data.currency] };
  }

  function maxQuantity(item) {
    const limit = shelf().liveFlash(item)?.per_buyer_limit;
    return Math.max(1, Math.min(shelf().unitsLeft(item), limit || 99, 99));
  }

  function addressText(a) {
    return [a.name, a.line1, a.city, a.postal_code, a.country].filter(Boolean).join(", ");
  }

  function drawBuy() {
    const item = items.find((i) => i.product_id === buy.id);
    if (!item) {
      if (buySheet.open) buySheet.close(); // unpinned while the sheet was open
      return;
    }
    const image = buySheet.querySelector("[data-buy-image]");
    if (!item.image_url) image.removeAttribute("src");
    else if (image.getAttribute("src") !== item.image_url) image.src = item.image_url;
    const price = shelf().priceFor(item);
    buySheet.querySelector("[data-buy-title]").textContent = item.title;
    buySheet.querySelector("[data-buy-price]").textContent = price.main;
    buySheet.querySelector("[data-buy-original]").textContent = price.original;
    buySheet.querySelector("[data-buy-was]").textContent = price.was;
    const flash = buySheet.querySelector("[data-buy-flash]");
    flash.textContent = shelf().flashText(item.flash_sale);
    flash.hidden = !flash.textContent;
    const left = shelf().unitsLeft(item);
    buySheet.querySelector("[data-buy-stock]").textContent = left > 0 ? t("stock_left", { num: formatNumber(left) }) : t("sold_out");

    const options = buySheet.querySelector("[data-buy-options]");
    const list = buySheet.querySelector("[data-buy-option-list]");
    options.hidden = !item.options?.length;
    if (list.dataset.productId !== String(item.product_id)) {
      list.dataset.productId = item.product_id;
      list.replaceChildren(...(item.options || []).map((option) => {
        const label = document.createElement("label");
        label.className = "chip";
        const input = document.createElement("input");
        Object.assign(input, { type: "radio", name: "buy-option", value: option });
        input.addEventListener("change", () => { buy.option = option; chosenOptions.set(item.product_id, option); });
        label.append(input, document.createTextNode(option));
        return label;
      }));
    }
    for (const input of list.querySelectorAll("input")) input.checked = input.value === buy.option;

    const most = maxQuantity(item);
    buy.quantity = Math.min(Math.max(1, buy.quantity), most);
    quantityInput.max = String(most);
    quantityInput.value = String(buy.quantity);
    buySheet.querySelector('[data-qty="-1"]').disabled = buy.quantity <= 1;
    buySheet.querySelector('[data-qty="1"]').disabled = buy.quantity >= most;

    buySheet.querySelector("[data-buy-address]").textContent = buy.address ? addressText(buy.address) : "";
    changeAddress.textContent = buy.address ? changeLabel : labels.add_address;

    const { price: unit, shown } = unitPrice(item);
    const total = unit.amount_minor * buy.quantity;
    const totalText = shown ? formatMoney(shown.amount_minor * buy.quantity, data.currency) : formatMoney(total, unit.currency);
    const shopTotal = shown && data.currency !== unit.currency ? ` (${formatMoney(total, unit.currency)})` : "";
    buySheet.querySelector("[data-buy-total]").textContent = totalText + shopTotal;
    const balance = buy.wallet ? buy.wallet[unit.currency] ?? 0 : null;
    buySheet.querySelector("[data-buy-wallet]").textContent =
      buy.wallet === undefined ? "…" : balance ? formatMoney(balance, unit.currency) : labels.no_wallet;
    buySheet.querySelector("[data-buy-wallet-short]").hidden = buy.wallet === undefined || (balance ?? 0) >= total;

    const submit = buySheet.querySelector("[data-buy-submit]");
    submit.disabled = buy.busy || left <= 0 || !shelf().isLive();
    submit.textContent = buy.busy ? t("buying") : left > 0 ? t("buy") : t("sold_out");
    // The pay part (checkout.js) draws after the rest: the voucher's discount and what is missing.
    document.dispatchEvent(new CustomEvent("livestall:buy-sheet", { detail: { item, quantity: buy.quantity, total, address: buy.address } }));
  }

  buySheet.addEventListener("click", (e) => {
    const step = e.target.closest("[data-qty]");
    if (!step) return;
    buy.quantity += Number(step.dataset.qty);
    drawBuy();
  });
  quantityInput.addEventListener("change", () => {
    buy.quantity = Number.parseInt(quantityInput.value, 10) || 1;
    drawBuy();
  });
  // Enter in the quantity or on an option never buys: only the button does.
  buyForm.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target.matches("input")) e.preventDefault(); });

  // The address form is the shelf's; filled with the address we have, its button saves instead of buying.
  async function editAddress() {
    const form = document.querySelector("[data-address-form]");
    const submit = form.querySelector('button[value="ok"]');
    const before = submit.textContent;
    for (const [name, value] of Object.entries(buy.address || {})) if (form.elements[name]) form.elements[name].value = value;
    if (buy.address) submit.textContent = labels.save;
    const address = await shelf().askAddress();
    submit.textContent = before;
    return address;
  }

  changeAddress.addEventListener("click", async () => {
    const address = await editAddress();
    if (address) {
      buy.address = address;
      drawBuy();
    }
  });

  buyForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const item = items.find((i) => i.product_id === buy.id);
    if (!item || buy.busy) return;
    if (!buy.address) buy.address = await editAddress();
    if (!buy.address) return;
    buy.busy = true;
    buyResult.textContent = "";
    drawBuy();
    const result = await shelf().purchase(item, { option: buy.option, quantity: buy.quantity, shipping: buy.address });
    buy.busy = false;
    buyResult.textContent = result.text;
    buyResult.classList.toggle("bad", !result.ok);
    if (result.badAddress) buy.address = null; // asked for again at the next tap
    buy.wallet = await walletBalances();
    drawBuy();
  });

  // A moderator's tools on a chat line show when the line is tapped.
  document.querySelector("[data-messages]").addEventListener("click", (e) => {
    const line = e.target.closest("li");
    if (!PHONE.matches || !line?.querySelector(".mod") || e.target.closest("button")) return;
    for (const open of line.parentElement.querySelectorAll("li.tools")) if (open !== line) open.classList.remove("tools");
    line.classList.toggle("tools");
  });

  // -- hearts --------------------------------------------------------------------------------------------------

  const hearts = document.querySelector("[data-hearts]");
  let likes = null;
  let ownLikes = 0; // our own taps, already shown, which the room's total will count again

  function heart() {
    if (!PHONE.matches || CALM.matches || document.hidden || hearts.childElementCount > 24) return;
    const node = document.createElement("span");
    node.className = "heart";
    node.textContent = "♥";
    node.style.setProperty("--drift", `${Math.round(Math.random() * 56 - 28)}px`);
    node.style.setProperty("--tint", String(Math.floor(Math.random() * 6)));
    node.addEventListener("animationend", () => node.remove());
    hearts.append(node);
  }

  document.addEventListener("click", (e) => {
    const like = e.target.closest("[data-like]");
    if (!like || !loggedIn || like.disabled) return;
    ownLikes += 1;
    heart();
  });
  document.addEventListener("livestall:room", ({ detail: { type, data: event } }) => {
    if (type === "snapshot") likes = event.show?.likes ?? likes;
    if (type !== "likes") return;
    const added = likes === null ? 0 : event.total - likes;
    likes = event.total;
    const others = Math.max(0, added - ownLikes);
    ownLikes = Math.max(0, ownLikes - added);
    for (let i = 0; i < Math.min(others, 12); i += 1) setTimeout(heart, i * 140);
  });

  // -- the video: portrait fills the screen, landscape is fitted; a tap turns the sound on, two like it ---------

  function orient() {
    if (!video.videoWidth || !video.videoHeight) return;
    const ratio = video.videoWidth / video.videoHeight;
    stage.dataset.orientation = ratio < 0.8 ? "portrait" : "landscape";
    stage.style.setProperty("--video-ratio", ratio.toFixed(4));
  }
  video.addEventListener("loadedmetadata", orient);
  video.addEventListener("resize", orient);
  video.addEventListener("volumechange", () => stage.toggleAttribute("data-sound", !video.muted));

  let lastTap = 0;
  function tap(e) {
    if (video.muted) {
      video.muted = false;
      video.play().catch(() => {});
    }
    if (e.timeStamp - lastTap < 320 && loggedIn) {
      document.querySelector("[data-like]:not(:disabled)")?.click();
      lastTap = 0;
    } else lastTap = e.timeStamp;
  }

  // -- the feed: swipe up for the next live show, down for the previous one ------------------------------------

  const peek = document.querySelector("[data-feed-peek]");
  let feed = null;
  let feedAt = 0;
  let loading = null;
  let drag = null;

  function loadFeed() {
    loading = loading || api("GET", `/shows/${data.show_id}/feed`).then((res) => {
      if (res.ok) {
        feed = res.data;
        feedAt = Date.now();
      }
      loading = null;
      return feed;
    });
    return loading;
  }

  function fresh() {
    if (!feed || Date.now() - feedAt > 30000) loadFeed();
    return feed;
  }

  function drawPeek(show) {
    if (peek.dataset.showId === String(show.id)) return;
    peek.dataset.showId = show.id;
    const cover = peek.querySelector("[data-peek-cover]");
    cover.hidden = !show.cover_url;
    if (show.cover_url) cover.src = show.cover_url;
    peek.querySelector("[data-peek-title]").textContent = show.title;
    peek.querySelector("[data-peek-host]").textContent = [show.host, show.shop].filter(Boolean).join(" · ");
  }

  function place(dy, animate = false) {
    const move = animate ? "transform .22s ease-out" : "";
    layout.style.transition = move;
    peek.style.transition = move;
    layout.style.transform = dy ? `translateY(${dy}px)` : "";
    peek.style.transform = `translateY(${(dy < 0 ? window.innerHeight : -window.innerHeight) + dy}px)`;
  }

  function go(way, dragged = false) {
    const show = fresh()?.[way];
    if (!show) return false;
    try { localStorage.setItem("livestall.swiped", "1"); } catch { /* private mode: the hint shows again */ }
    drawPeek(show);
    peek.classList.add("shown");
    if (!dragged) place(way === "next" ? -1 : 1); // from a key: the next show waits just off the screen
    void peek.offsetHeight; // start the slide from there, not from where the styles were last drawn
    place(way === "next" ? -window.innerHeight : window.innerHeight, true);
    setTimeout(() => location.assign(show.url), 230);
    return true;
  }

  function settle() {
    place(0, true);
    setTimeout(() => {
      if (drag) return;
      peek.classList.remove("shown");
      layout.style.transition = "";
    }, 230);
  }

  stage.addEventListener("pointerdown", (e) => {
    if (!PHONE.matches || !e.isPrimary || e.button > 0 || e.target.closest("a, button, input, select, textarea")) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY, at: e.timeStamp, dy: 0, moving: false };
    fresh();
  });
  stage.addEventListener("pointermove", (e) => {
    if (drag?.id !== e.pointerId) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moving) {
      if (Math.abs(dy) < 12 || Math.abs(dy) < Math.abs(dx)) return;
      drag.moving = true;
      try { stage.setPointerCapture(e.pointerId); } catch { /* the finger is already up: its pointerup ends this */ }
    }
    drag.dy = dy;
    const show = feed?.[dy < 0 ? "next" : "prev"];
    if (show) {
      drawPeek(show);
      peek.classList.add("shown");
    }
    place(show ? dy : dy / 4); // nowhere to go: the view gives a little, then springs back
  });
  const release = (e) => {
    if (drag?.id !== e.pointerId) return;
    const { dy, moving, at } = drag;
    drag = null;
    if (!moving) {
      if (e.type === "pointerup") tap(e);
      return;
    }
    const quick = Math.abs(dy) / Math.max(1, e.timeStamp - at) > 0.5;
    if (e.type === "pointercancel" || !(Math.abs(dy) > window.innerHeight * 0.18 || quick) || !go(dy < 0 ? "next" : "prev", true)) {
      settle();
    }
  };
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);

  // Keys and the (visually hidden until focused) buttons do the same for those who do not swipe.
  for (const button of document.querySelectorAll("[data-feed]")) {
    button.addEventListener("click", async () => { await (fresh() || loadFeed()); go(button.dataset.feed); });
  }
  document.addEventListener("keydown", async (e) => {
    if (!PHONE.matches || e.altKey || e.ctrlKey || e.metaKey || e.target.closest("input, textarea, select, dialog")) return;
    const way = { ArrowDown: "next", PageDown: "next", ArrowUp: "prev", PageUp: "prev" }[e.key];
    if (!way) return;
    e.preventDefault();
    await (fresh() || loadFeed());
    go(way);
  });
  // Back from the next show may bring this page back as it was left: slid away.
  window.addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    layout.style.transform = "";
    peek.classList.remove("shown");
  });

  // The neighbours are read soon after the page, so that the first swipe has somewhere to go; the first
  // time, say that there is more to see.
  if (PHONE.matches && data.status !== "cancelled") {
    setTimeout(async () => {
      const next = (await loadFeed())?.next;
      let seen = true;
      try { seen = Boolean(localStorage.getItem("livestall.swiped")); } catch { /* no storage: say nothing */ }
      const hint = document.querySelector("[data-swipe-hint]");
      if (!next || seen) return;
      hint.hidden = false;
      setTimeout(() => { hint.hidden = true; }, 3200);
    }, 600);
  }
}
