// The studio of one show: go live from the camera (front or back) or OBS over RTMP, pin and unpin products, the
// question queue, chat with moderation, live viewers and the sales ticker, end the show. On a phone the same
// page is one screen over the camera (templates/studio/phone.html): its parts are kept in step here.
import { createPlayer } from "./player.js";
import { createStudio } from "./webrtc_publish.js";
import { connectRoom } from "./room.js";
import { createChatView } from "./chat.js";
import { api, clock, formatNumber, pageData as data, problemText, t } from "./app.js";

const $ = (selector) => document.querySelector(selector);
const studioError = $("[data-studio-error]");
const roomEl = $("[data-room]");
const roomError = roomEl.querySelector("[data-room-error]");
let status = data.status;
let room = null;
let pinned = new Set((data.shelf || []).map((i) => i.product_id));
const phoneText = (key, vars = {}) =>
  (data.text?.[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(vars[name] ?? ""));

// -- the phone stage: the same studio, one screen over the camera --------------------------------------------------

const PHONE = matchMedia("(max-width: 700px), (max-height: 520px) and (pointer: coarse)"); // as studio-phone.css
const stage = $("[data-phone-stage]");
const part = (selector) => stage.querySelector(selector);
let toastTimer = null;

function toast(message, kind = "") {
  const node = part("[data-ph-toast]");
  clearTimeout(toastTimer);
  node.textContent = message;
  node.className = `ph-toast ${kind}`;
  node.hidden = !message;
  if (message) toastTimer = setTimeout(() => { node.hidden = true; }, 4000);
}

function setText(selectors, value) {
  for (const node of document.querySelectorAll(selectors)) node.textContent = value;
}

function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
  if (message && PHONE.matches) toast(message);
}

let startedAt = data.started_at ? Date.parse(data.started_at) : null;
function tickClock() {
  part("[data-ph-clock]").textContent = status === "live" && startedAt ? clock((Date.now() - startedAt) / 1000) : "";
}
setInterval(tickClock, 1000);

// -- show state ----------------------------------------------------------------------------------

function setStatus(next) {
  status = next;
  document.body.dataset.show = next;
  for (const badge of document.querySelectorAll("[data-status-badge], [data-ph-status]")) {
    badge.textContent = next === "live" ? t("live") : next === "ended" ? t("ended") : badge.textContent;
    badge.classList.toggle("live", next === "live");
  }
  if (next === "live" && !startedAt) startedAt = Date.now();
  tickClock();
  $("[data-end]").hidden = next !== "live";
  part("[data-ph-end]").hidden = next !== "live";
  const start = $("[data-start]");
  if (start) start.hidden = next !== "scheduled";
}

$("[data-start]")?.addEventListener("click", async () => {
  const res = await api("POST", `/api/v1/shows/${data.show_id}/start`);
  if (res.ok) setStatus("live");
  else showError(studioError, problemText(res.data));
});

async function endShow() {
  if (!confirm(t("confirm_end"))) return;
  golive?.stop();
  const res = await api("POST", `/api/v1/shows/${data.show_id}/end`);
  if (res.ok) setStatus("ended");
  else showError(studioError, problemText(res.data));
}
$("[data-end]").addEventListener("click", endShow);
part("[data-ph-end]").addEventListener("click", endShow);

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
      document.body.dataset.ingest = state;
      // On the phone the badge says LIVE and the format line says the camera is on: only trouble is flagged.
      part("[data-ph-ingest]").textContent = ["idle", "camera", "live"].includes(state) ? "" : t(`golive_${state}`);
      if (state === "refused" && detail) toast(detail);
      if (state === "live" && status === "scheduled") setStatus("live");
    },
    onFormat({ width, height }) {
      // The size kept left to right in Arabic too (an isolate), else "406×720" reads "720×406".
      const shape = phoneText(height > width ? "portrait" : "landscape");
      part("[data-ph-format]").textContent = `${shape} · \u2066${width}×${height}\u2069`;
    },
  });
} catch (err) {
  stateLabel.textContent = t("camera_error", { reason: err.message });
}

// Leaving the page while this browser streams would end the picture for everyone: the browser asks first.
window.addEventListener("beforeunload", (e) => {
  if (!["live", "connecting", "reconnecting"].includes(document.body.dataset.ingest)) return;
  e.preventDefault();
  e.returnValue = ""; // what older browsers need to ask
});

async function withCamera(action) {
  try {
    await action();
  } catch (err) {
    const message = t("camera_error", { reason: err.message || String(err) });
    $("[data-golive-detail]").textContent = message;
    if (PHONE.matches) toast(message);
  }
}
$("[data-golive]").addEventListener("click", () => golive && withCamera(() => golive.start()));
$("[data-flip]").addEventListener("click", () => golive && withCamera(() => golive.switchCamera()));
part("[data-ph-flip]").addEventListener("click", () => golive && withCamera(() => golive.switchCamera()));
$("[data-stop]").addEventListener("click", () => golive && golive.stop());
part("[data-ph-mute]").addEventListener("click", (e) => {
  if (!golive) return;
  const muted = golive.setMuted(!golive.muted);
  e.currentTarget.setAttribute("aria-pressed", String(muted));
  part("[data-ph-muted-flag]").hidden = !muted;
});
// "More" opens the whole studio (OBS, chat moderation, openings, the embed) on the phone; the camera goes on.
part("[data-ph-more]").addEventListener("click", () => {
  document.body.classList.add("studio-classic");
  window.scrollTo(0, 0);
});
$("[data-ph-camera]").addEventListener("click", () => document.body.classList.remove("studio-classic"));
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
      rtmpPlayer = createPlayer($("[data-rtmp-preview]"), { src: data.hls_url, stage: data.show_id });
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
  for (const button of stage.querySelectorAll("[data-ph-pin]")) {
    button.setAttribute("aria-pressed", String(pinned.has(Number(button.dataset.phPin))));
    button.disabled = status !== "live";
  }
}

async function togglePin(productId) {
  const res = pinned.has(productId)
    ? await api("DELETE", `/api/v1/shows/${data.show_id}/pins/${productId}`)
    : await api("POST", `/api/v1/shows/${data.show_id}/pins`, { product_id: productId });
  if (!res.ok) return showError(studioError, problemText(res.data));
  showError(studioError, "");
  pinned = new Set(res.data.items.map((i) => i.product_id));
  renderPins();
}

document.querySelector("[data-pin-list]")?.addEventListener("click", (e) => {
  const button = e.target.closest("[data-pin]");
  if (button) togglePin(Number(button.dataset.pin));
});
// One tap on a product of the phone's shelf pins it, the next unpins it.
let pinning = false;
part("[data-ph-shelf]").addEventListener("click", async (e) => {
  const button = e.target.closest("[data-ph-pin]");
  if (!button || pinning) return;
  pinning = true; // a double tap is one toggle, not two
  try {
    await togglePin(Number(button.dataset.phPin));
  } finally {
    pinning = false;
  }
});

// -- sales ticker ----------------------------------------------------------------------------------

let salesTimer = null;
function refreshSales() {
  clearTimeout(salesTimer);
  salesTimer = setTimeout(async () => {
    const res = await api("GET", `/studio/shows/${data.show_id}/sales`);
    if (!res.ok) return;
    setText("[data-orders], [data-ph-orders]", res.data.orders_text);
    setText("[data-units], [data-ph-units]", res.data.units_text);
    setText("[data-gmv], [data-ph-gmv]", res.data.gmv_text);
    setText("[data-reserved], [data-ph-reserved]", res.data.reserved_text);
  }, 300);
}

// A reservation paid later moves from "unpaid" into the GMV without a room event: look again now and then.
setInterval(() => { if (status === "live") refreshSales(); }, 15000);

// A sale flashes the phone's ticker and names what sold, so the host can thank the buyer on camera.
function saleMade(event) {
  const title = stage.querySelector(`[data-ph-pin="${Number(event.product_id)}"] .ph-ptitle`)?.textContent;
  if (title && PHONE.matches) toast(phoneText("sold", { title, units: formatNumber(event.units) }), "sale");
  for (const cell of stage.querySelectorAll(".ph-ticker div")) {
    cell.classList.add("bump");
    setTimeout(() => cell.classList.remove("bump"), 900);
  }
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

// The phone's question queue, one tap to answer, and the last few chat lines going by.
const questions = new Map();
const phoneQuestions = part("[data-ph-questions]");
const questionTemplate = part("[data-ph-question-template]");

function renderPhoneQuestions() {
  const open = [...questions.values()].filter((q) => q.status === "open")
    .sort((a, b) => b.votes - a.votes || a.id - b.id);
  phoneQuestions.replaceChildren(...open.map((q) => {
    const li = questionTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.questionId = q.id;
    li.querySelector(".who").textContent = q.user.name;
    li.querySelector(".text").textContent = q.text;
    li.querySelector(".ph-votes").textContent = `▲${formatNumber(q.votes)}`;
    const answer = li.querySelector(".ph-answer");
    answer.addEventListener("click", async () => {
      answer.disabled = true;
      li.classList.add("done");
      if (await send("question.answer", { question_id: q.id }) === null) {
        answer.disabled = false;
        li.classList.remove("done");
        return;
      }
      questions.set(q.id, { ...q, status: "answered" });
      renderPhoneQuestions();
    });
    return li;
  }));
  part("[data-ph-question-count]").textContent = open.length ? formatNumber(open.length) : "";
  part("[data-ph-questions-box]").hidden = !open.length;
}

const CHAT_LINES = 5;
const phoneChat = part("[data-ph-chat]");
function addChatLine(m) {
  const li = document.createElement("li");
  li.dataset.id = m.id;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = m.user.name;
  const said = document.createElement("span");
  said.textContent = m.text;
  li.append(who, said);
  phoneChat.append(li);
  while (phoneChat.children.length > CHAT_LINES) phoneChat.firstElementChild.remove();
}

function phoneEvent(type, event) {
  if (type === "question.asked" || type === "question.updated") {
    questions.set(event.id, event);
    renderPhoneQuestions();
  } else if (type === "chat.message") addChatLine(event);
  else if (type === "chat.deleted") phoneChat.querySelector(`[data-id="${CSS.escape(String(event.id))}"]`)?.remove();
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
  phoneEvent(type, event);
  if (chat.event(type, event)) return;
  if (type === "viewers") setText("[data-viewers], [data-ph-viewers]", formatNumber(event.concurrent));
  else if (type === "likes") setText("[data-likes], [data-ph-likes]", formatNumber(event.total));
  else if (type === "room.settings") roomSettings(event);
  else if (type === "show.live") { setStatus("live"); renderPins(); }
  else if (type === "show.ended") { setStatus("ended"); renderPins(); }
  else if (type === "pin.changed") { pinned = new Set(event.items.map((i) => i.product_id)); renderPins(); }
  else if (type === "sale.made" || type === "stock.changed" || type === "product.sold_out") {
    if (type === "sale.made") saleMade(event);
    refreshSales();
  }
}

room = connectRoom(data.ws_url, {
  onSnapshot(snapshot) {
    chat.reset(snapshot);
    questions.clear();
    for (const q of snapshot.questions || []) questions.set(q.id, q);
    renderPhoneQuestions();
    phoneChat.replaceChildren();
    for (const m of (snapshot.messages || []).slice(-CHAT_LINES)) addChatLine(m);
    if (snapshot.viewers) setText("[data-viewers], [data-ph-viewers]", formatNumber(snapshot.viewers.concurrent));
    if (snapshot.show) {
      setText("[data-likes], [data-ph-likes]", formatNumber(snapshot.show.likes));
      if (snapshot.show.started_at) startedAt = Date.parse(snapshot.show.started_at);
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
document.body.dataset.show = status;
window.livestallStudio = { get room() { return room; }, get golive() { return golive; } };
