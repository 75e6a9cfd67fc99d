// The replay page: the recorded show with its chapters (products shown, questions answered) to jump to.
import { createPlayer } from "./player.js";
import { api, clock, pageData as data, t } from "./app.js";

const stage = document.querySelector("[data-stage]");
const video = document.getElementById("video");
const notice = stage.querySelector("[data-notice]");
const list = document.querySelector("[data-chapters]");
const empty = document.querySelector("[data-chapters-empty]");
const labels = JSON.parse(document.getElementById("chapter-labels").textContent);

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
    button.addEventListener("click", () => {
      video.currentTime = chapter.at_s;
      video.play().catch(() => {});
    });
    li.append(button);
    return li;
  }));
  empty.hidden = replay.chapters.length > 0;
}

load();
