// The studio of one show, phone-first: go live from the camera (front or back) or OBS over RTMP, pin and
// unpin products, the question queue, chat with moderation, live viewers and the sales ticker, end the show.
import { createPlayer } from "./player.js";
import { createStudio } from "./golive.js";
import { connectRoom } from "./room.js";
import { createChatView } from "./chat.js";
import { api, formatNumber, pageData as data, problemText, t } from "./app.js";

const $ = (selector) => document.querySelector(selector);
const studioError = $("[data-studio-error]");
const roomEl = $("[data-room]");
const roomError = roomEl.querySelector("[data-room-error]");
let status = data.status;
let room = null;
let pinned = new Set((data.shelf || []).map((i) => i.product_id));

function showError(node, text) {
  node.textContent = text;
  node.hidden = !text;
}

// -- show state ----------------------------------------------------------------------------------

function setStatus(next) {
  status = next;
  const badge = $("[data-status-badge]");
  badge.textContent = next === "live" ? t("live") : next === "ended" ? t("ended") : badge.textContent;
  badge.classList.toggle("live", next === "live");
  $("[data-end]").hidden = next !== "live";
  const start = $("[data-start]");
  if (start) start.hidden = next !== "scheduled";
}

$("[data-start]")?.addEventListener("click", async () => {
  const res = await api("POST", `/api/v1/shows/${data.show_id}/start`);
  if (res.ok) setStatus("live");
  else showError(studioError, problemText(res.data));
});

$("[data-end]").addEventListener("click", async () => {
  if (!confirm(t("confirm_end"))) return;
  golive?.stop();
  const res = await api("POST", `/api/v1/shows/${data.show_id}/end`);
  if (res.ok) setStatus("ended");
  else showError(studioError, problemText(res.data));
});

// -- video: camera or RTMP -----------------------------------------------------------------------

const stateLabel = $("[data-golive-state]");
let golive = null;
try {
  golive = createStudio({
    showId: data.show_id,
    preview: $("[data-preview]"),
    onState(state, detail) {
      stateLabel.dataset.state = state;
      stateLabel.textContent = t(`golive_${state}`);
      $("[data-golive-detail]").textContent = detail || "";
      if (state === "live" && status === "scheduled") setStatus("live");
    },
  });
} catch (err) {
  stateLabel.textContent = t("camera_error", { reason: err.message });
}

async function withCamera(action) {
  try {
    await action();
  } catch (err) {
    $("[data-golive-detail]").textContent = t("camera_error", { reason: err.message || String(err) });
  }
}
$("[data-golive]").addEventListener("click", () => golive && withCamera(() => golive.start()));
$("[data-flip]").addEventListener("click", () => golive && withCamera(() => golive.switchCamera()));
$("[data-stop]").addEventListener("click", () => golive && golive.stop());
if (golive && status !== "ended" && navigator.mediaDevices) withCamera(() => golive.openCamera());

let rtmpPlayer = null;
for (const tab of document.querySelectorAll("[data-vtab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[data-vtab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (tab.dataset.vtab === "rtmp" && !rtmpPlayer && data.hls_url) {
      rtmpPlayer = createPlayer($("[data-rtmp-preview]"), { src: data.hls_url });
    }
  });
}

async function loadKeyHint() {
  const res = await api("GET", "/api/v1/me/stream-key");
  if (res.ok && res.data) $("[data-key-hint]").textContent = `…${res.data.hint}`;
}
$("[data-new-key]")?.addEventListener("click", async () => {
  const res = await api("POST", "/api/v1/me/stream-key");
  if (!res.ok) return showError(studioError, problemText(res.data));
  $("[data-key]").value = res.data.key;
  $("[data-key-hint]").textContent = t("key_once");
});
if (data.is_host) loadKeyHint();

// -- pins ----------------------------------------------------------------------------------------

function renderPins() {
  for (const button of document.querySelectorAll("[data-pin]")) {
    const on = pinned.has(Number(button.dataset.pin));
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? t("unpin") : t("pin");
    button.disabled = status !== "live";
  }
}

document.querySelector("[data-pin-list]")?.addEventListener("click", async (e) => {
  const button = e.target.closest("[data-pin]");
  if (!button) return;
  const productId = Number(button.dataset.pin);
  const res = pinned.has(productId)
    ? await api("DELETE", `/api/v1/shows/${data.show_id}/pins/${productId}`)
    : await api("POST", `/api/v1/shows/${data.show_id}/pins`, { product_id: productId });
  if (!res.ok) return showError(studioError, problemText(res.data));
  showError(studioError, "");
  pinned = new Set(res.data.items.map((i) => i.product_id));
  renderPins();
});

// -- sales ticker ----------------------------------------------------------------------------------

let salesTimer = null;
function refreshSales() {
  clearTimeout(salesTimer);
  salesTimer = setTimeout(async () => {
    const res = await api("GET", `/studio/shows/${data.show_id}/sales`);
    if (!res.ok) return;
    $("[data-orders]").textContent = res.data.orders_text;
    $("[data-units]").textContent = res.data.units_text;
    $("[data-gmv]").textContent = res.data.gmv_text;
  }, 300);
}

// -- the room: questions, chat, moderation ---------------------------------------------------------

async function send(type, fields) {
  if (!room) return null;
  try {
    const result = await room.send(type, fields);
    showError(roomError, "");
    return result ?? {};
  } catch (frame) {
    showError(roomError, t("send_failed", { reason: frame.message || frame.code || "" }));
    return null;
  }
}

const chat = createChatView(roomEl, {
  moderator: true,
  onAnswer: (q) => send("question.answer", { question_id: q.id }),
  onDelete: (m) => send("mod.delete", { message_id: m.id }),
  onMute: (m) => send("mod.mute", { user_id: m.user.id, minutes: 10 }),
  onBan: (m) => send("mod.ban", { user_id: m.user.id }),
});

roomEl.querySelector("[data-chat-form]").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = e.target.elements.text;
  if (input.value.trim() && await send("chat.send", { text: input.value.trim() }) !== null) input.value = "";
});

const slow = $("[data-slow-mode]");
const followersOnly = $("[data-followers-only]");
slow.addEventListener("change", () => send("mod.slow_mode", { seconds: Number(slow.value) }));
followersOnly.addEventListener("change", () => send("mod.followers_only", { on: followersOnly.checked }));

function roomSettings(settings) {
  const seconds = String(settings.slow_mode_seconds ?? 0);
  if (![...slow.options].some((o) => o.value === seconds)) slow.append(new Option(`${seconds} s`, seconds));
  slow.value = seconds;
  followersOnly.checked = Boolean(settings.followers_only);
}

function onEvent(type, event) {
  document.dispatchEvent(new CustomEvent("livestall:room", { detail: { type, data: event } }));
  if (chat.event(type, event)) return;
  if (type === "viewers") $("[data-viewers]").textContent = formatNumber(event.concurrent);
  else if (type === "likes") $("[data-likes]").textContent = formatNumber(event.total);
  else if (type === "room.settings") roomSettings(event);
  else if (type === "show.live") { setStatus("live"); renderPins(); }
  else if (type === "show.ended") { setStatus("ended"); renderPins(); }
  else if (type === "pin.changed") { pinned = new Set(event.items.map((i) => i.product_id)); renderPins(); }
  else if (type === "sale.made" || type === "stock.changed" || type === "product.sold_out") refreshSales();
}

room = connectRoom(data.ws_url, {
  onSnapshot(snapshot) {
    chat.reset(snapshot);
    if (snapshot.viewers) $("[data-viewers]").textContent = formatNumber(snapshot.viewers.concurrent);
    if (snapshot.show) {
      $("[data-likes]").textContent = formatNumber(snapshot.show.likes);
      roomSettings(snapshot.show);
      if (snapshot.show.status !== status) setStatus(snapshot.show.status);
    }
    renderPins();
    refreshSales();
  },
  onEvent,
  onState(state) {
    roomEl.querySelector("[data-room-state]").textContent = state === "closed" ? t("room_lost") : "";
  },
  onNotice(frame) { if (frame.message) showError(roomError, frame.message); },
});
renderPins();
window.livestallStudio = { get room() { return room; }, get golive() { return golive; } };
