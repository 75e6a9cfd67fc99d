// The show player: hls.js (native HLS on Safari), close to the live edge, with offline and reconnecting states.
// Usage: const player = createPlayer(videoElement, { src: "/hls/42/index.m3u8", onState: (s, detail) => ... });
// States: "connecting", "playing", "reconnecting", "offline", "ended". Each change also fires a
// "playerstate" event on the video element. player.pictureTime() is the server time (epoch ms) at which
// the frame on screen came in, from the playlist's program date-times, or null when it is not known.

const HLS_CONFIG = {
  liveSyncDurationCount: 2, // about 2 segments (2 s) behind the live edge
  liveMaxLatencyDurationCount: 6,
  maxLiveSyncPlaybackRate: 1.1, // catch up gently instead of jumping
  backBufferLength: 30,
  manifestLoadingMaxRetry: 1,
  levelLoadingMaxRetry: 4,
  fragLoadingMaxRetry: 4,
};
const STALL_MS = 3000;

export function createPlayer(video, { src = "", onState = () => {}, retryMs = 2000 } = {}) {
  let hls = null;
  let state = "";
  let current = src;
  let retryTimer = null;
  let stallTimer = null;
  let hint = ""; // what the room said about the stream ("live", "reconnecting")

  function set(next, detail = "") {
    if (next === state) return;
    state = next;
    onState(next, detail);
    video.dispatchEvent(new CustomEvent("playerstate", { detail: { state: next, detail } }));
  }

  function clearTimers() {
    clearTimeout(retryTimer);
    clearTimeout(stallTimer);
  }

  function retry(why) {
    teardown();
    set(hint === "reconnecting" ? "reconnecting" : "offline", why);
    retryTimer = setTimeout(load, retryMs);
  }

  function teardown() {
    clearTimers();
    if (hls) {
      hls.destroy();
      hls = null;
    }
  }

  function play() {
    const p = video.play();
    if (p && p.catch) p.catch(() => { video.muted = true; video.play().catch(() => {}); });
  }

  function load() {
    teardown();
    if (!current) return set("offline", "no stream");
    if (state !== "reconnecting") set("connecting");
    const Hls = globalThis.Hls;
    if (Hls && Hls.isSupported()) {
      hls = new Hls(HLS_CONFIG);
      hls.on(Hls.Events.MANIFEST_PARSED, play);
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else retry(data.details || "network error");
      });
      hls.loadSource(current);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = current; // Safari plays HLS itself
      video.onerror = () => retry("playback error");
      play();
    } else {
      set("offline", "this browser cannot play HLS");
    }
  }

  video.addEventListener("playing", () => {
    clearTimeout(stallTimer);
    set("playing");
  });
  video.addEventListener("waiting", () => {
    clearTimeout(stallTimer);
    // No new video for a while: the publisher is probably gone; hls.js keeps polling the playlist.
    stallTimer = setTimeout(() => set("reconnecting", "waiting for video"), STALL_MS);
  });
  video.addEventListener("ended", () => set("ended"));

  load();
  return {
    get state() { return state; },
    get hls() { return hls; },
    pictureTime() {
      if (state !== "playing" || video.paused) return null;
      if (hls) return hls.playingDate ? hls.playingDate.getTime() : null;
      const start = video.getStartDate ? video.getStartDate().getTime() : NaN; // Safari's own HLS
      return Number.isFinite(start) ? start + video.currentTime * 1000 : null;
    },
    setSource(url) { current = url; set("connecting"); load(); },
    // The room's stream.state events: "reconnecting" shows at once, "live" reloads if we had given up.
    setStreamState(streamState) {
      hint = streamState;
      if (streamState === "reconnecting" && state !== "offline") set("reconnecting", "the host's stream dropped");
      if (streamState === "live" && (state === "offline" || state === "reconnecting")) load();
    },
    destroy() { teardown(); set("offline", "stopped"); },
  };
}
