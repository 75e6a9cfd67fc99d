// A product clip's page (templates/video/clip.html): plays the clip's HLS with the site's player (hls.js, or
// Safari's own HLS; the MP4 when neither can), shares its link; an order placed here with the buy sheet is
// reported as coming from the clip (POST /api/v1/clips/{id}/orders); the shop's people trim it (cut again in the
// background: the page waits for the new cut) or hide it.
import { api, pageData as data, problemText, t } from "./app.js";
import { createPlayer } from "./player.js";

const clip = data.clip;
const video = document.querySelector("[data-clip-video]");

// The template's MP4 plays without scripts; with them the clip plays as HLS, like every other video here.
// A clip cut before it had an HLS (or any playback failure) goes back to the MP4 instead of retrying.
if (video && clip.hls_url) {
  let player = null;
  const toMp4 = () => {
    if (!player) return;
    const stopping = player;
    player = null;
    stopping.destroy(); // also cancels the player's own retry, scheduled just after it reported "offline"
    video.dataset.player = "mp4";
    video.src = clip.video_url;
    video.play().catch(() => { video.muted = true; video.play().catch(() => {}); }); // as the player starts HLS
  };
  player = createPlayer(video, {
    src: clip.hls_url,
    onState(state) {
      if (state === "offline") setTimeout(toMp4, 0);
    },
  });
  video.dataset.player = player.hls ? "hls.js" : player.state === "offline" ? "mp4" : "native";
}

const shareButton = document.querySelector("[data-clip-share]");
const shareNote = document.querySelector("[data-clip-share-note]");

shareButton.addEventListener("click", async () => {
  if (navigator.share) {
    try {
      await navigator.share({ title: data.title, url: data.share_url });
      return;
    } catch (e) {
      if (e && e.name === "AbortError") return; // the viewer closed the share sheet
    }
  }
  try {
    await navigator.clipboard.writeText(data.share_url);
    shareNote.textContent = t("clip_link_copied");
  } catch {
    document.querySelector("[data-clip-share-url]").select();
    shareNote.textContent = t("clip_link_select");
  }
});

document.addEventListener("livestall:bought", async (e) => {
  const order = e.detail && e.detail.order;
  if (order && order.id && e.detail.offer.product_id === clip.product_id) {
    await api("POST", `/api/v1/clips/${clip.id}/orders`, { order_id: order.id });
  }
});

const editor = document.querySelector("[data-clip-editor]");
if (editor) {
  const form = editor.querySelector("[data-clip-trim]");
  const error = editor.querySelector("[data-clip-error]");
  const hide = editor.querySelector("[data-clip-hide]");
  const showError = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };
  const seconds = (input) => {
    const text = input.value.trim().replace(",", ".");
    return /^-?\d{1,5}(\.\d+)?$/.test(text) ? Number(text) : null;
  };

  // After a new trim, wait for the background cut, then show it.
  async function waitForCut() {
    for (let i = 0; i < 60; i++) {
      const res = await api("GET", `/api/v1/clips/${clip.id}`);
      if (res.ok && res.data.status === "ready") return location.reload();
      if (res.ok && res.data.status === "failed") return showError(res.data.error || t("error"));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    const start = seconds(form.querySelector("[data-clip-start]"));
    const end = seconds(form.querySelector("[data-clip-end]"));
    if (start === null || end === null) return showError(t("clip_seconds"));
    const res = await api("PATCH", `/api/v1/clips/${clip.id}`, { start_offset_s: start, end_offset_s: end });
    if (!res.ok) {
      const first = res.data && res.data.errors && res.data.errors[0];
      const key = first ? `clip_rule_${first.rule}` : "";
      return showError(first && t(key) !== key ? t(key) : problemText(res.data));
    }
    showError("");
    form.querySelector("[data-clip-recut]").disabled = true;
    shareNote.textContent = t("clip_cutting");
    waitForCut();
  });

  hide.addEventListener("click", async () => {
    const hidden = hide.getAttribute("aria-pressed") !== "true";
    const res = await api("PATCH", `/api/v1/clips/${clip.id}`, { hidden });
    if (!res.ok) return showError(problemText(res.data));
    hide.setAttribute("aria-pressed", String(hidden));
    hide.textContent = hidden ? t("clip_unhide") : t("clip_hide");
  });
}
