// The embedded player's side of the conversation with the merchant's page (the loader /embed.js, or the page's own
// "message" listener). Events go out only to the embedding origin the server checked against the shop's list
// (postMessage's targetOrigin, never "*"); commands come in only from that origin's window, our parent.
// A buy tap on the shelf goes to the merchant's cart (cart=host) or buys here (cart=player: signed in by a token
// that a sign-in popup on our own site hands over, since the frame gets no login cookie on another website).
// An ended show plays its replay. show.js runs the rest (video, room, shelf, chat), as on the show page.
import { api, pageData as data, signCalls, t } from "./app.js";
import { createPlayer } from "./player.js";

const parentOrigin = data.parent_origin || null;
const framed = window.parent !== window;
const video = document.getElementById("video");
const stage = document.querySelector("[data-stage]");
const note = document.querySelector("[data-embed-note]");
let items = data.shelf || []; // the shelf as last drawn (show.js drew it once before this module ran)
const products = new Map(); // product id -> {sku, variants}, read once per product
let pendingBuy = null; // the tap that opened the sign-in popup: { item, option }
let popup = null; // that popup: only it may hand this player a token
let auth = null; // { token, expiresAt } from the popup, in memory only
let buyingNow = null; // the purchase under way: { item, option }
let pendingTap = null; // a "Buy now" tapped before the shelf's data came: { productId, chosen }
let played = false;

function post(type, detail = {}) {
  if (framed && parentOrigin) window.parent.postMessage({ type, detail }, parentOrigin);
}

// The note under the video: a text, maybe a link to finish on Livestall, maybe a button to try again.
function say(text, { link = null, linkText = t("embed_buy_there"), bad = false, retry = null } = {}) {
  note.replaceChildren(text);
  if (retry) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "embed-retry" });
    button.textContent = t("embed_retry");
    button.addEventListener("click", retry);
    note.append(" ", button);
  }
  if (link) {
    const a = Object.assign(document.createElement("a"), { href: link, target: "_blank", rel: "noopener" });
    a.textContent = linkText;
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
  if (e.origin === location.origin && e.source && e.source === popup) return fromPopup(e.data, e.source);
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
  // The shelf's own items first: its "livestall:shelf" event may have fired before this module listened.
  const drawn = window.livestallShow?.shelf?.items?.() || items;
  const item = drawn.find((i) => String(i.product_id) === productId);
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

// -- buying here: signed in by a token the sign-in popup hands over ------------------------------------------
// Browsers keep our login cookie out of a frame on another website. The popup (our own site) gets a token for this
// show and this website, valid a few minutes; it is kept in this page's memory only (a reload asks again: one tap,
// the popup closes at once while the browser is logged in on Livestall) and signs the buy flow's calls.

async function buyHere(item, option) {
  const shelf = window.livestallShow?.shelf;
  if (!shelf) return;
  if (data.user_id === null && !signedIn()) {
    signIn(item, option, auth ? t("embed_expired") : t("embed_logging_in"));
    return;
  }
  say("");
  buyingNow = { item, option };
  let shipping = await shelf.defaultAddress();
  // No address may mean no login any more (the token lapsed, or a logout revoked it): never ask one then.
  if (!shipping && auth && (await api("GET", "/api/v1/me")).status === 401) return void loginNeeded();
  if (!shipping && buyingNow) shipping = await shelf.askAddress();
  if (!shipping || !buyingNow) return void (buyingNow = null);
  const result = await shelf.purchase(item, { option, shipping });
  buyingNow = null;
  if (result.ok && result.order) {
    const order = result.order;
    say(result.text);
    post("livestall:purchase", { show_id: data.show_id, order_ref: order.ref, status: order.status,
                                 product_id: order.product_id, quantity: order.quantity, total: order.total });
  }
}

function signedIn() {
  return auth !== null && Date.parse(auth.expiresAt) - Date.now() > 15_000; // not about to lapse mid-purchase
}

function signIn(item, option, text) {
  forget();
  pendingBuy = { item, option };
  if (!framed) { // the player opened as a page of its own, on our site: the login cookie works, log in right here
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  if (!parentOrigin) { // no website to bind a token to (a bare frame without ?origin=): buy on Livestall
    say(t("embed_login_blocked"), { link: showPageUrl(item.product_id), bad: true });
    return;
  }
  const url = `/embed/signed-in?show=${data.show_id}&origin=${encodeURIComponent(parentOrigin)}`;
  popup = window.open(url, "livestall-login", "popup,width=440,height=700");
  if (!popup) {
    say(t("embed_popup_blocked"), { link: showPageUrl(item.product_id), bad: true,
                                    retry: () => signIn(item, option, t("embed_logging_in")) });
    return;
  }
  say(text);
}

function forget() {
  auth = null;
  signCalls({});
}

function tookToken(message, source) {
  if (message.show_id !== data.show_id || message.origin !== parentOrigin || !pendingBuy) return;
  auth = { token: message.token, expiresAt: message.expires_at };
  signCalls({ Authorization: `Bearer ${auth.token}`, "X-Livestall-Embed-Origin": parentOrigin });
  const taken = { type: "livestall:embed-token-taken", show_id: data.show_id };
  if (source) source.postMessage(taken, location.origin);
  else channel?.postMessage(taken);
  const { item, option } = pendingBuy;
  pendingBuy = null;
  popup = null;
  buyHere(item, option); // the tap that asked for the sign-in goes on
}

function refused(message) {
  if (message.show_id !== data.show_id || !pendingBuy) return;
  const { item } = pendingBuy;
  pendingBuy = null;
  say(message.rule === "embed_origin_allowed" ? t("embed_not_here") : t("error"),
      { link: showPageUrl(item.product_id), bad: true });
}

function fromPopup(message, source = null) {
  if (message?.type === "livestall:embed-token") tookToken(message, source);
  else if (message?.type === "livestall:embed-refused") refused(message);
}

const channel = "BroadcastChannel" in window ? new BroadcastChannel("livestall-login") : null;
channel?.addEventListener("message", (e) => fromPopup(e.data)); // when the browser cut the popup's opener

// The buy flow found no login (the token lapsed or was revoked by a logout): sign in again, then the tap goes on.
function loginNeeded() {
  const wanted = buyingNow;
  buyingNow = null;
  if (wanted) signIn(wanted.item, wanted.option, t("embed_expired"));
  else say(t("embed_join_there"), { link: `/shows/${data.show_id}`, linkText: t("embed_open_show"), bad: true });
}
document.addEventListener("livestall:login-needed", loginNeeded);

// -- the replay of an ended show ---------------------------------------------------------------------------

async function playReplay() {
  const res = await api("GET", `/api/v1/shows/${data.show_id}/replay`);
  if (!res.ok || !res.data.playlist_url) return;
  stage.querySelector("[data-badge]").textContent = t("replay");
  video.controls = true;
  createPlayer(video, { src: res.data.playlist_url, onState: (state) => { stage.dataset.state = state; } });
}

if (data.status === "ended") playReplay();
post("livestall:ready", { show_id: data.show_id, status: data.status, title: data.title, cart: data.cart });
