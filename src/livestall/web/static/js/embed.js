// The embedded player's side of the conversation with the merchant's page (the loader /embed.js, or the page's own
// "message" listener). Events go out only to the embedding origin the server checked against the shop's list
// (postMessage's targetOrigin, never "*"); commands come in only from that origin's window, our parent.
// A buy tap on the shelf goes to the merchant's cart (cart=host) or buys here (cart=player: login in a popup).
// An ended show plays its replay. show.js runs the rest (video, room, shelf, chat), as on the show page.
import { api, pageData as data, t } from "./app.js";
import { createPlayer } from "./player.js";

const parentOrigin = data.parent_origin || null;
const framed = window.parent !== window;
const video = document.getElementById("video");
const stage = document.querySelector("[data-stage]");
const note = document.querySelector("[data-embed-note]");
let items = data.shelf || []; // the shelf as last drawn (show.js drew it once before this module ran)
const products = new Map(); // product id -> {sku, variants}, read once per product
let pendingBuy = null; // the product whose "Buy now" opened the login popup
let pendingTap = null; // a "Buy now" tapped before the shelf's data came: { productId, chosen }
let played = false;

function post(type, detail = {}) {
  if (framed && parentOrigin) window.parent.postMessage({ type, detail }, parentOrigin);
}

function say(text, { link = null, bad = false } = {}) {
  note.replaceChildren(text);
  if (link) {
    const a = Object.assign(document.createElement("a"), { href: link, target: "_blank", rel: "noopener" });
    a.textContent = t("embed_buy_there");
    note.append(" ", a);
  }
  note.classList.toggle("bad", bad);
  note.hidden = !text;
}

function showPageUrl(productId) {
  return `/shows/${data.show_id}?buy=${productId}`;
}

// -- commands from the merchant's page -----------------------------------------------------------------

const COMMANDS = {
  "livestall:mute": () => { video.muted = true; },
  "livestall:unmute": () => { video.muted = false; video.play().catch(() => {}); },
  "livestall:pause": () => video.pause(),
  "livestall:resume": () => video.play().catch(() => {}),
};

window.addEventListener("message", (e) => {
  const type = e.data && e.data.type;
  if (e.origin === location.origin && type === "livestall:signed-in") return signedIn(); // our login popup
  if (!parentOrigin || e.source !== window.parent || e.origin !== parentOrigin) return;
  if (Object.hasOwn(COMMANDS, type)) COMMANDS[type]();
});

// -- events to the merchant's page ---------------------------------------------------------------------

video.addEventListener("playing", () => {
  if (played) return;
  played = true;
  post("livestall:play", { show_id: data.show_id, status: data.status === "ended" ? "replay" : data.status });
});
video.addEventListener("pause", () => { played = false; });
video.addEventListener("volumechange", () => post("livestall:volume", { muted: video.muted }));
document.addEventListener("livestall:shelf", ({ detail }) => {
  items = detail.items;
  if (pendingTap) takeTap(pendingTap.productId, pendingTap.chosen);  // tapped before the shelf's data came
});
document.addEventListener("livestall:room", ({ detail }) => {
  if (detail.type === "show.live" || detail.type === "show.ended") {
    post("livestall:status", { show_id: data.show_id, status: detail.type === "show.live" ? "live" : "ended" });
  }
});

// Our pages refuse to be framed: every link in the player opens a tab of its own.
document.addEventListener("click", (e) => {
  const link = e.target.closest?.("a[href]");
  if (link && !link.target) Object.assign(link, { target: "_blank", rel: "noopener" });
}, true);

// -- buying: the shelf's "Buy now", taken before shelf.js sees it ----------------------------------------

document.addEventListener("click", (e) => {
  const button = e.target.closest?.("[data-shelf-items] [data-buy]");
  if (!button) return;
  e.stopPropagation();
  e.preventDefault();
  const card = button.closest("[data-product-id]");
  const option = card.querySelector("[data-option]");
  takeTap(card.dataset.productId, option && !option.hidden ? option.value : null);
}, true);

// A tap on a card drawn before the shelf's data arrived is kept (pendingTap), and taken when it comes: never lost.
function takeTap(productId, chosen) {
  const item = items.find((i) => String(i.product_id) === productId);
  pendingTap = item ? null : { productId, chosen };
  if (!item) return;
  if (data.cart === "host") addToHostCart(item, chosen);
  else buyHere(item, chosen);
}

// The product's SKU and variants (a chosen option that is a variant has its own id, SKU and maybe price).
async function productOf(productId) {
  if (!products.has(productId)) {
    const res = await api("GET", `/api/v1/products/${productId}`);
    const product = res.ok ? res.data : {};
    products.set(productId, { sku: product.sku || null, variants: product.variants || [] });
  }
  return products.get(productId);
}

async function addToHostCart(item, option) {
  if (!framed || !parentOrigin) {
    say(t("embed_no_cart"), { link: showPageUrl(item.product_id), bad: true });
    return;
  }
  const sale = window.livestallShow?.shelf?.liveFlash(item);
  const price = sale ? sale.sale_price : item.price;
  const product = await productOf(item.product_id);
  const variant = option === null ? null : product.variants.find((v) => v.label === option) || null;
  post("livestall:add-to-cart", {
    show_id: data.show_id, product_id: item.product_id, variant_id: variant ? variant.id : null, option, quantity: 1,
    title: item.title, price_minor: !sale && variant?.price_minor != null ? variant.price_minor : price.amount_minor,
    currency: price.currency, sku: variant?.sku || product.sku,
    image_url: item.image_url ? new URL(item.image_url, location.href).href : null,
  });
  say(t("embed_added"));
}

async function buyHere(item, option) {
  const shelf = window.livestallShow?.shelf;
  if (!shelf) return;
  if (data.user_id === null) {
    logIn(item);
    return;
  }
  say("");
  let shipping = await shelf.defaultAddress();
  if (!shipping) shipping = await shelf.askAddress();
  if (!shipping) return;
  const result = await shelf.purchase(item, { option, shipping });
  if (result.ok && result.order) {
    const order = result.order;
    post("livestall:purchase", { show_id: data.show_id, order_ref: order.ref, status: order.status,
                                 product_id: order.product_id, quantity: order.quantity, total: order.total });
  }
}

// -- logging in: a popup of our own site, which tells this frame when it is done -------------------------

function logIn(item) {
  pendingBuy = item.product_id;
  const popup = window.open(`/login?next=${encodeURIComponent("/embed/signed-in")}`, "livestall-login",
                            "popup,width=440,height=700");
  if (!popup) {
    say(t("embed_login_blocked"), { link: showPageUrl(item.product_id), bad: true });
    return;
  }
  say(t("embed_logging_in"));
}

if ("BroadcastChannel" in window) { // when the popup lost its opener (a browser's isolation of windows)
  new BroadcastChannel("livestall-login").addEventListener("message", (e) => {
    if (e.data && e.data.type === "livestall:signed-in") signedIn();
  });
}

function signedIn() {
  if (pendingBuy === null) return;
  // Load the player again, now with the login, back at the product that was tapped.
  const url = new URL(location.href);
  url.searchParams.set("buy", pendingBuy);
  url.searchParams.set("signed_in", "1");
  location.replace(url.href);
}

function afterLogin() {
  const wanted = new URL(location.href).searchParams;
  if (!wanted.get("signed_in") || !data.buy) return;
  if (data.user_id === null) {
    // The login cookie is kept from frames on other websites by this browser: the show page buys instead.
    say(t("embed_login_blocked"), { link: showPageUrl(data.buy), bad: true });
    return;
  }
  say(t("embed_signed_in"));
  document.querySelector(`[data-shelf-items] [data-product-id="${CSS.escape(String(data.buy))}"] [data-buy]`)?.focus();
}

// -- the replay of an ended show ---------------------------------------------------------------------------

async function playReplay() {
  const res = await api("GET", `/api/v1/shows/${data.show_id}/replay`);
  if (!res.ok || !res.data.playlist_url) return;
  stage.querySelector("[data-badge]").textContent = t("replay");
  video.controls = true;
  createPlayer(video, { src: res.data.playlist_url, onState: (state) => { stage.dataset.state = state; } });
}

if (data.status === "ended") playReplay();
afterLogin();
post("livestall:ready", { show_id: data.show_id, status: data.status, title: data.title, cart: data.cart });
