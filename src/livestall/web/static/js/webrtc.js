// The sub-second stage (docs/video.md): the show through Janus's streaming plugin over WebRTC for the host,
// moderators and a front row of viewers, about a tenth of a second behind the camera instead of three.
// The player (player.js) asks for a seat; with one it puts the MediaStream on the same <video>, and when
// WebRTC fails (no seat, no UDP path, ICE failure, Janus gone) it plays HLS as before.
// const seat = joinStage(showId, { onStream(stream), onFail(reason, retryMs) }); seat.leave();
// Anyone on the page may fire "livestall:front-row" on document to say the viewer means to buy now
// (the buy sheet opening does it too): a viewer left out of a full front row then asks again as a buyer.
import { api, serverNow, t } from "./app.js";
import { openJanus } from "./janus_ws.js";

const CONNECT_TIMEOUT_MS = 8000; // no picture by then: most likely no UDP path to the server
const DISCONNECTED_GRACE_MS = 3000;
// Reasons worth asking again for, and after how long; others (no seat, no Janus, no UDP) stay on HLS.
const RETRY_MS = { not_live: 3000, janus_closed: 4000, hangup: 4000 };

let buyIntent = false;
for (const name of ["livestall:front-row", "livestall:buy-sheet", "livestall:buy"]) {
  document.addEventListener(name, () => {
    if (buyIntent) return;
    buyIntent = true;
    document.dispatchEvent(new CustomEvent("livestall:stage-intent"));
  });
}

// Janus offers the picture and the sound as one stream (one msid), and Chromium then holds the picture back to
// lip-sync it with the sound, whose path is longer (AAC turned into Opus at the forwarder, then the audio jitter
// buffer): about 30 ms of the front row's delay from an RTMP encoder (docs/benchmarks.md). On a stream of its own
// the sound plays as soon as it can and trails the picture by about that much, under the 125 ms at which
// viewers notice sound late (ITU-R BT.1359), while the picture, what the auction and the host's gestures are
// watched by, comes that much sooner.
export function soundOnItsOwn(sdp) {
  return sdp.split(/(?=\r?\nm=)/)
    .map((section) => section.replace(/^(\r?\nm=audio[^]*?\r?\na=msid:)(\S+)/, "$1$2-sound")).join("");
}

async function askSeat(showId) {
  const res = await api("POST", `/api/v1/shows/${showId}/webrtc`, { intent: buyIntent ? "buy" : "watch" });
  if (res.ok) return { seat: res.data };
  return { reason: res.data?.reason || (res.status === 401 ? "login" : "unavailable") };
}

// One viewer's WebRTC session with Janus; calls onStream once the picture flows, onFail once if it stops.
export function joinStage(showId, { onStream = () => {}, onFail = () => {} } = {}) {
  let janus = null;
  let pc = null;
  let seat = null;
  let done = false;
  let streaming = false;
  const timers = new Set();

  function later(fn, ms, every = false) {
    const id = every ? setInterval(fn, ms) : setTimeout(fn, ms);
    timers.add(id);
    return id;
  }

  function cleanup() {
    for (const id of timers) { clearTimeout(id); clearInterval(id); }
    timers.clear();
    janus?.close();
    if (pc) { pc.ontrack = null; pc.oniceconnectionstatechange = null; pc.close(); }
    janus = pc = null;
  }

  function fail(reason) {
    if (done) return;
    done = true;
    cleanup();
    // A passing fault (Janus restarting, the stream reconnecting) keeps the seat for the next try;
    // otherwise it goes to the next viewer at once.
    const retryInMs = RETRY_MS[reason] ?? null;
    if (seat && !retryInMs) api("DELETE", `/api/v1/shows/${showId}/webrtc`);
    onFail(reason, retryInMs);
  }

  // Janus's own news: the mountpoint went away (the stream stopped) or the PeerConnection closed.
  function onEvent(msg) {
    const status = msg.plugindata?.data?.result?.status;
    if (msg.janus === "hangup" || msg.janus === "detached" || status === "stopped") fail("hangup");
  }

  async function watch() {
    await janus.ready;
    const offered = await janus.request({ request: "watch", id: seat.mountpoint, pin: seat.pin });
    if (!offered.jsep) throw new Error("no offer");
    pc = new RTCPeerConnection({ iceServers: seat.ice_servers || [] });
    const stream = new MediaStream();
    pc.ontrack = (e) => stream.addTrack(e.track);
    pc.onicecandidate = (e) => janus?.trickle(e.candidate);
    let graceTimer = null;
    pc.oniceconnectionstatechange = () => {
      const state = pc?.iceConnectionState;
      if (state === "failed" || state === "closed") fail("ice_failed");
      else if (state === "disconnected") graceTimer = later(() => fail("ice_failed"), DISCONNECTED_GRACE_MS);
      else if (state === "connected" || state === "completed") {
        clearTimeout(graceTimer);
        if (!streaming && stream.getVideoTracks().length) waitForPicture(stream);
      }
    };
    await pc.setRemoteDescription({ type: offered.jsep.type, sdp: soundOnItsOwn(offered.jsep.sdp) });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await janus.request({ request: "start" }, { type: answer.type, sdp: answer.sdp });
  }

  // Swap only once a picture has been decoded (the next keyframe): until then HLS keeps playing, no black frame.
  function waitForPicture(stream) {
    const poll = later(async () => {
      if (!pc || streaming) return clearInterval(poll);
      const stats = await pc.getStats();
      for (const report of stats.values()) {
        if (report.type === "inbound-rtp" && report.kind === "video" && report.framesDecoded > 0 && !streaming) {
          streaming = true;
          clearInterval(poll);
          onStream(stream);
        }
      }
    }, 100, true);
  }

  function renew() {
    askSeat(showId).then(({ seat: next, reason }) => {
      if (done) return;
      if (next) {
        seat = { ...seat, token: next.token, expires_at: next.expires_at };
        if (janus) janus.token = next.token;
      }
      else fail(reason); // the seat is gone (the stream stopped, or the server took it back)
    });
  }

  (async () => {
    if (!window.RTCPeerConnection) return fail("no_webrtc");
    const asked = await askSeat(showId);
    if (done) return;
    if (!asked.seat) return fail(asked.reason);
    seat = asked.seat;
    later(renew, seat.renew_in_s * 1000, true);
    later(() => { if (!streaming) fail("ice_timeout"); }, CONNECT_TIMEOUT_MS);
    janus = openJanus(seat.ws_url, { token: seat.token, plugin: "janus.plugin.streaming", onEvent,
                                     onClose: () => fail("janus_closed") });
    watch().catch((err) => fail(String(err).includes("pin") ? "refused" : "janus_closed"));
  })();

  return {
    get seat() { return seat?.seat || null; },
    leave() { if (!done) { done = true; cleanup(); if (seat) api("DELETE", `/api/v1/shows/${showId}/webrtc`); } },
  };
}

// The studio's line about the stage: whether this server can put the host and the front row on it.
const statusLine = document.querySelector("[data-stage-status]");
if (statusLine) {
  api("GET", "/api/v1/webrtc/status").then((res) => {
    if (!res.ok) return;
    statusLine.textContent = t(res.data.available ? "webrtc_on" : `webrtc_${res.data.reason}`);
    statusLine.dataset.available = String(res.data.available);
    statusLine.hidden = false;
  });
}
const tierLine = document.querySelector("[data-stage-tier]");
document.querySelector("[data-rtmp-preview]")?.addEventListener("playertier", (e) => {
  if (!tierLine) return;
  tierLine.textContent = t(`webrtc_tier_${e.detail.tier}`);
  tierLine.hidden = false;
});

// The picture clock on this tier (stage.js): the server's time less the stage's own delay.
const STAGE_DELAY_MS = 100;
export function stageNow() {
  return serverNow() - STAGE_DELAY_MS;
}
