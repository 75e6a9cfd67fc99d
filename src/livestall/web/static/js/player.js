// The show player: hls.js (native HLS on Safari), close to the live edge, with offline and reconnecting states.
// Usage: const player = createPlayer(videoElement, { src: "/hls/42/index.m3u8", onState: (s, detail) => ... });
// States: "connecting", "playing", "reconnecting", "offline", "ended". Each change also fires a
// "playerstate" event on the video element. player.pictureTime() is the server time (epoch ms) at which
// the frame on screen came in, from the playlist's program date-times, or null when it is not known.
// With `stage: showId` the player also asks for a seat on the sub-second stage (webrtc.js): while it has
// one the same <video> plays WebRTC (player.tier "webrtc", a "playertier" event), else HLS ("hls").

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

export function createPlayer(video, { src = "", onState = () => {}, retryMs = 2000, stage = null } = {}) {
  let hls = null;
  let state = "";
  let current = src;
  let retryTimer = null;
  let stallTimer = null;
  let hint = ""; // what the room said about the stream ("live", "reconnecting")
  let tier = "hls";
  let seat = null; // webrtc.js's handle while we hold or ask for a seat
  let stageRetry = null;
  let stageTries = 0; // transient refusals in a row: asked again less and less often
  let stageClock = null; // the picture clock on the WebRTC tier (server time)
  let stopped = false;

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
    if (tier === "webrtc") return; // the stage's MediaStream plays; HLS waits for a fallback
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

  function setTier(next, why = "") {
    tier = next;
    video.dataset.tier = next;
    video.dispatchEvent(new CustomEvent("playertier", { detail: { tier: next, reason: why } }));
  }

  // The sub-second stage: HLS plays until WebRTC has a picture, and takes over again if WebRTC stops.
  function tryStage() {
    clearTimeout(stageRetry);
    if (!stage || seat || !current || stopped) return;
    import("./webrtc.js").then(({ joinStage, stageNow }) => {
      if (stopped || seat) return;
      stageClock = stageNow;
      seat = joinStage(stage, {
        onStream(stream) {
          stageTries = 0;
          teardown();
          video.srcObject = stream;
          setTier("webrtc");
          play();
        },
        onFail(reason, retryInMs) {
          seat = null;
          const wasStage = tier === "webrtc";
          if (wasStage) video.srcObject = null;
          setTier("hls", reason);
          if (wasStage) load();
          if (retryInMs) stageRetry = setTimeout(tryStage, Math.min(retryInMs * 2 ** stageTries++, 60000));
          // A full front row opens to buyers: ask again once the viewer means to buy.
          else if (reason === "front_row_full") {
            document.addEventListener("livestall:stage-intent", tryStage, { once: true });
          }
        },
      });
    });
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
  tryStage();
  return {
    get state() { return state; },
    get tier() { return tier; },
    get hls() { return hls; },
    pictureTime() {
      if (state !== "playing" || video.paused) return null;
      if (tier === "webrtc") return stageClock ? stageClock() : null; // about 0.1 s behind the camera
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
    destroy() {
      stopped = true;
      clearTimeout(stageRetry);
      if (seat) seat.leave();
      seat = null;
      if (tier === "webrtc") { video.srcObject = null; setTier("hls", "stopped"); }
      teardown();
      set("offline", "stopped");
    },
  };
}
