// The show page (and the embed): video, the room's chat and questions, likes, viewers, the pinned products
// with their prices in the viewer's currency, stock and flash countdowns, and one-tap buy. What the host
// does on camera shows when this viewer's video reaches it (stage.js).
import { createPlayer } from "./player.js";
import { createStage } from "./stage.js";
import { connectRoom } from "./room.js";
import { createChatView } from "./chat.js";
import { createShelf } from "./shelf.js";
import { formatNumber, goLogin, pageData as data, setServerTime, t } from "./app.js";
import "./phone.js"; // the full-screen vertical player under 700 px wide (the embed has no sheets: nothing there)

const stage = document.querySelector("[data-stage]");
const video = document.getElementById("video");
const notice = stage.querySelector("[data-notice]");
const badge = stage.querySelector("[data-badge]");
const roomEl = document.querySelector("[data-room]");
const roomState = roomEl.querySelector("[data-room-state]");
const roomError = roomEl.querySelector("[data-room-error]");
const loggedIn = data.user_id !== null;

let status = data.status;
let player = null;
let room = null;
const shelf = createShelf({ root: document.querySelector("[data-shelf]"), data, isLive: () => status === "live",
                           isEnded: () => status === "ended" });
const inStep = createStage(() => (player ? player.pictureTime() : null));

// -- video ---------------------------------------------------------------------------------------

function showPlayerState(state) {
  if (status !== "live") return;
  stage.dataset.state = state;
  badge.textContent = t("live");
  notice.textContent = state === "playing" ? "" : state === "offline" ? t("waiting_video") : t(state);
}

function startPlayer() {
  if (player || !data.hls_url) return;
  player = createPlayer(video, { src: data.hls_url, onState: showPlayerState, stage: loggedIn ? data.show_id : null });
}

function setStatus(next) {
  status = next;
  shelf.redraw();
  document.querySelector("[data-like]")?.toggleAttribute("disabled", next !== "live");
  if (next === "live") {
    stage.dataset.state = "connecting";
    badge.textContent = t("live");
    startPlayer();
  } else if (next === "ended") {
    if (player) player.destroy();
    player = null;
    stage.dataset.state = "ended";
    badge.textContent = t("ended");
    notice.replaceChildren();
    const link = document.createElement("a");
    link.href = `/shows/${data.show_id}/replay`;
    link.textContent = t("ended");
    notice.append(link);
  }
}

stage.querySelector("[data-unmute]")?.addEventListener("click", () => {
  video.muted = false;
  video.play().catch(() => {});
});

// -- chat, questions, likes, viewers -------------------------------------------------------------

function showError(text) {
  roomError.textContent = text;
  roomError.hidden = !text;
  if (text) setTimeout(() => { if (roomError.textContent === text) roomError.hidden = true; }, 6000);
}

async function send(type, fields) {
  if (!room) return null;
  try {
    const result = await room.send(type, fields);
    showError("");
    return result ?? {};
  } catch (frame) {
    showError(t("send_failed", { reason: frame.message || frame.code || "" }));
    return null;
  }
}

const chat = createChatView(roomEl, {
  onUpvote: (q) => (loggedIn ? send("question.upvote", { question_id: q.id }) : goLogin()),
});

function setCount(selector, value) {
  for (const node of document.querySelectorAll(selector)) node.textContent = formatNumber(value);
}

for (const tab of roomEl.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => {
    for (const other of roomEl.querySelectorAll("[data-tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
  });
}

function wireForm(selector, type) {
  const form = document.querySelector(selector); // on a phone the questions' form lives in a sheet of its own
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = form.elements.text;
    const text = input.value.trim();
    if (!text) return;
    if (await send(type, { text }) !== null) input.value = "";
  });
}
wireForm("[data-chat-form]", "chat.send");
wireForm("[data-ask-form]", "question.ask");

let pendingLikes = 0;
let likeTimer = null;
document.querySelector("[data-like]")?.addEventListener("click", (e) => {
  if (!loggedIn) return goLogin();
  pendingLikes += 1;
  e.currentTarget.classList.add("pop");
  setTimeout(() => e.currentTarget?.classList?.remove("pop"), 120);
  clearTimeout(likeTimer);
  // Taps are sent together: one frame for a burst of hearts.
  likeTimer = setTimeout(() => {
    const count = Math.min(pendingLikes, 50);
    pendingLikes = 0;
    send("like", { count });
  }, 400);
});

// -- the room ------------------------------------------------------------------------------------

function onEvent(type, event, at) {
  inStep.run(type, at, () => apply(type, event));
}

function apply(type, event) {
  document.dispatchEvent(new CustomEvent("livestall:room", { detail: { type, data: event } }));
  if (chat.event(type, event)) return;
  switch (type) {
    case "likes": setCount("[data-likes]", event.total); break;
    case "viewers": setCount("[data-viewers]", event.concurrent); break;
    case "show.live": setStatus("live"); break;
    case "show.ended": setStatus("ended"); break;
    case "stream.state": if (player) player.setStreamState(event.state); break;
    default:
      shelf.event(type, event);
  }
}

function onSnapshot(snapshot) {
  inStep.reset();
  setServerTime(snapshot.server_time);
  document.dispatchEvent(new CustomEvent("livestall:room", { detail: { type: "snapshot", data: snapshot } }));
  chat.reset(snapshot);
  if (snapshot.viewers) setCount("[data-viewers]", snapshot.viewers.concurrent);
  if (snapshot.show) {
    setCount("[data-likes]", snapshot.show.likes);
    if (snapshot.show.status !== status) setStatus(snapshot.show.status);
  }
  const items = snapshot.shelf?.items ?? snapshot.pins?.items ?? snapshot.shelf ?? null;
  if (Array.isArray(items)) shelf.render(items); else if (status === "live") shelf.refresh();
}

shelf.render(data.shelf || []);
if (status === "live") startPlayer();
if (status !== "cancelled" && data.ws_url) {
  room = connectRoom(data.ws_url, {
    onSnapshot,
    onEvent,
    onState(state) {
      roomState.textContent = state === "closed" ? t("room_lost") : state === "connecting" ? t("connecting") : "";
    },
    onNotice(frame) { showError(noticeText(frame)); },
  });
}
// A notice in the viewer's language when the page knows its code; else the server's English text.
function noticeText(frame) {
  const translated = frame.code ? t(frame.code) : frame.code;
  return translated && translated !== frame.code ? translated : frame.message || "";
}

window.livestallShow = { get room() { return room; }, get player() { return player; }, shelf, inStep };
