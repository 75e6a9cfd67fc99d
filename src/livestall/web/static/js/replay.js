// The replay page: the recorded show with its chapters (products shown, questions answered) to jump to. Each product
// shown can be bought at its chapter and under the video while its moment plays, at its normal price
// (buy_sheet.js: an order outside the live show, never the show's flash price).
import { createPlayer } from "./player.js";
import { api, clock, pageData as data, t } from "./app.js";
import { createBuySheet, priceText, stockText } from "./buy_sheet.js";

const stage = document.querySelector("[data-stage]");
const video = document.getElementById("video");
const notice = stage.querySelector("[data-notice]");
const list = document.querySelector("[data-chapters]");
const empty = document.querySelector("[data-chapters-empty]");
const labels = JSON.parse(document.getElementById("chapter-labels").textContent);
const nowCard = document.querySelector("[data-replay-product]");
const sheet = createBuySheet({ data });
const offers = new Map(); // product id -> offer (GET /products/offers): products no longer on sale are absent
let productChapters = []; // [{at_s, product_id, item}] in replay order
let shown = null; // the product chapter playing now

function jump(chapter) {
  video.currentTime = chapter.at_s;
  video.play().catch(() => {});
  showAt(chapter.at_s);
}

function drawOffer(root, offer) {
  const price = priceText(offer, data.currency);
  root.querySelector("[data-price]").textContent = price.main;
  root.querySelector("[data-original-price]").textContent = price.original;
  root.querySelector("[data-stock]").textContent = stockText(offer.stock);
  const buy = root.querySelector("[data-buy]");
  buy.disabled = offer.stock <= 0;
  buy.textContent = offer.stock > 0 ? t("buy") : t("sold_out");
}

function productRow(chapter) {
  const row = document.createElement("div");
  row.className = "chapter-product";
  row.dataset.chapterProduct = chapter.product_id;
  const offer = offers.get(chapter.product_id);
  if (!offer) {
    row.append(Object.assign(document.createElement("span"), { className: "meta", textContent: t("rule_active_product") }));
    return row;
  }
  const price = Object.assign(document.createElement("span"), { className: "price" });
  price.dataset.price = "";
  const original = Object.assign(document.createElement("span"), { className: "meta" });
  original.dataset.originalPrice = "";
  const stock = Object.assign(document.createElement("span"), { className: "meta" });
  stock.dataset.stock = "";
  const buy = Object.assign(document.createElement("button"), { type: "button", className: "primary buy" });
  buy.dataset.buy = "";
  buy.addEventListener("click", () => sheet.open(offers.get(chapter.product_id)));
  row.append(price, original, stock, buy);
  drawOffer(row, offer);
  return row;
}

// The product whose chapter is playing: the last one shown at or before this moment.
function showAt(seconds) {
  let current = null;
  for (const chapter of productChapters) {
    if (chapter.at_s <= seconds + 0.25) current = chapter;
  }
  if (current === shown) return;
  shown = current;
  for (const chapter of productChapters) chapter.item.classList.toggle("current", chapter === current);
  const offer = current && offers.get(current.product_id);
  nowCard.hidden = !offer;
  nowCard.dataset.productId = offer ? offer.product_id : "";
  if (!offer) return;
  nowCard.querySelector("[data-title]").textContent = offer.title;
  const image = nowCard.querySelector("[data-image]");
  image.hidden = !offer.image_url;
  if (offer.image_url) image.src = offer.image_url;
  drawOffer(nowCard, offer);
}

nowCard.querySelector("[data-buy]").addEventListener("click", () => {
  const offer = shown && offers.get(shown.product_id);
  if (offer) sheet.open(offer);
});

document.addEventListener("livestall:bought", (e) => {
  const { offer } = e.detail;
  offers.set(offer.product_id, { ...offers.get(offer.product_id), stock: offer.stock });
  for (const row of list.querySelectorAll(`[data-chapter-product="${offer.product_id}"]`)) drawOffer(row, offers.get(offer.product_id));
  if (shown?.product_id === offer.product_id) drawOffer(nowCard, offers.get(offer.product_id));
});

async function loadOffers(chapters) {
  const ids = [...new Set(chapters.filter((c) => c.kind === "product").map((c) => c.product_id))];
  if (!ids.length) return;
  const res = await api("GET", `/products/offers?ids=${ids.join(",")}`);
  if (res.ok) for (const offer of res.data.items) offers.set(offer.product_id, offer);
}

async function load() {
  if (data.status !== "ended") {
    notice.textContent = t("offline");
    return;
  }
  const res = await api("GET", `/api/v1/shows/${data.show_id}/replay`);
  if (!res.ok) {
    notice.textContent = res.data?.detail || t("offline");
    return;
  }
  const replay = res.data;
  createPlayer(video, {
    src: replay.playlist_url,
    onState(state) {
      stage.dataset.state = state;
      notice.textContent = state === "playing" || state === "ended" ? "" : t(state);
    },
  });
  await loadOffers(replay.chapters);
  productChapters = [];
  list.replaceChildren(...replay.chapters.map((chapter) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    const at = document.createElement("span");
    at.className = "at";
    at.textContent = clock(chapter.at_s);
    const kind = document.createElement("span");
    kind.className = "meta";
    kind.textContent = labels[chapter.kind] || chapter.kind;
    const title = document.createElement("span");
    title.textContent = chapter.title;
    button.append(at, kind, title);
    button.addEventListener("click", () => jump(chapter));
    li.append(button);
    if (chapter.kind === "product") {
      li.append(productRow(chapter));
      productChapters.push({ at_s: chapter.at_s, product_id: chapter.product_id, item: li });
    }
    return li;
  }));
  empty.hidden = replay.chapters.length > 0;
  document.querySelector("[data-products-note]").hidden = offers.size === 0;
  video.addEventListener("timeupdate", () => showAt(video.currentTime));
  video.addEventListener("seeked", () => showAt(video.currentTime));
  showAt(video.currentTime || 0);
}

load();
