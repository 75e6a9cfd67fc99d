// Going live from the studio over WebRTC (docs/video.md): the camera is published into Janus's videoroom, and the
// server forwards it to the show's sub-second stage (the front row) and into its HLS (everyone else, the replay,
// the clips). Where the server has no stage, the browser cannot send H.264 over WebRTC, or the connection does
// not get through, the recorder path of golive.js (MediaRecorder over a WebSocket) takes over by itself.
// Same interface as golive.js's createStudio, plus `path` ("webrtc" or "recorder"); the studio's
// [data-golive-path] line says which path is used, and an "ingestpath" event on document tells scripts.
import { api, problemText, t } from "./app.js";
import { createStudio as createRecorderStudio } from "./golive.js";
import { openJanus } from "./janus_ws.js";

const CONNECT_TIMEOUT_MS = 12000; // no picture sent by then: most likely no UDP path to the server
const DISCONNECTED_GRACE_MS = 3000;
const RETRY_MS = 1500;

// Whether this browser can send H.264 over WebRTC (packetization mode 1, what the stage and HLS take as is).
export function canSendH264() {
  if (!window.RTCPeerConnection || !window.RTCRtpSender?.getCapabilities) return false;
  return h264Codecs().length > 0;
}

function h264Codecs() {
  const codecs = RTCRtpSender.getCapabilities("video")?.codecs || [];
  return codecs.filter((c) => /h264/i.test(c.mimeType) && /packetization-mode=1/.test(c.sdpFmtpLine || ""));
}

class Dropped extends Error {}

async function keepResolution(pc) {
  for (const sender of pc.getSenders()) {
    if (sender.track?.kind !== "video") continue;
    try {
      const params = sender.getParameters();
      params.degradationPreference = "maintain-resolution";
      await sender.setParameters(params);
    } catch { /* the content hint asks the same */ }
  }
}

// One WebRTC publish into the room of `ticket`: resolves once the camera's picture is being sent, rejects if it
// never is; afterwards onDrop(reason) tells once that it stopped ("destroyed" when the server closed the room).
function publishToJanus(showId, ticket, stream, { onDrop = () => {} } = {}) {
  let janus = null;
  let pc = null;
  let done = false;
  let live = false;
  const timers = new Set();
  let settle = null;

  const later = (fn, ms, every = false) => {
    const id = every ? setInterval(fn, ms) : setTimeout(fn, ms);
    timers.add(id);
    return id;
  };

  function cleanup() {
    for (const id of timers) { clearTimeout(id); clearInterval(id); }
    timers.clear();
    janus?.close();
    if (pc) { pc.oniceconnectionstatechange = null; pc.close(); }
    janus = pc = null;
  }

  function drop(reason) {
    if (done) return;
    done = true;
    cleanup();
    if (live) onDrop(reason);
    else settle?.reject(new Dropped(reason));
  }

  function onEvent(msg) {
    const data = msg.plugindata?.data || {};
    if (data.videoroom === "destroyed") drop("destroyed"); // the server closed the room: the show is over here
    else if (msg.janus === "hangup" || msg.janus === "detached") drop("hangup");
  }

  // The picture counts as sent once the encoder has put out frames over a connected PeerConnection.
  function waitForFrames() {
    const poll = later(async () => {
      if (!pc || live) return clearInterval(poll);
      for (const report of (await pc.getStats()).values()) {
        if (report.type === "outbound-rtp" && report.kind === "video" && report.framesEncoded > 0 && !live) {
          clearInterval(poll);
          const res = await api("POST", `/api/v1/shows/${showId}/webrtc-publish/live`, { room: ticket.room });
          if (done) return;
          if (!res.ok) return drop(res.data?.reason === "unavailable" ? "failed" : "refused");
          live = true;
          settle?.resolve(res.data);
        }
      }
    }, 200, true);
  }

  async function publish() {
    await janus.ready;
    await janus.request({ request: "join", ptype: "publisher", room: ticket.room, pin: ticket.pin,
                          id: ticket.publisher_id, display: "studio" });
    pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of stream.getTracks()) {
      // The camera's own size, whatever the bandwidth estimate or the CPU: the HLS and the replay keep one shape
      // (frames are dropped instead when the link is short).
      if (track.kind === "video") track.contentHint = "detail";
      const sendEncodings = track.kind === "video" ? [{ maxBitrate: ticket.bitrate }] : undefined;
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [stream], sendEncodings });
      // H.264 first: the stage and the HLS take it as sent, no transcode anywhere.
      if (track.kind === "video" && transceiver.setCodecPreferences) {
        const h264 = h264Codecs();
        const rest = (RTCRtpSender.getCapabilities("video")?.codecs || []).filter((c) => !h264.includes(c));
        try { transceiver.setCodecPreferences([...h264, ...rest]); } catch { /* the room insists on H.264 anyway */ }
      }
    }
    pc.onicecandidate = (e) => janus?.trickle(e.candidate);
    let graceTimer = null;
    pc.oniceconnectionstatechange = () => {
      const state = pc?.iceConnectionState;
      if (state === "failed" || state === "closed") drop("ice_failed");
      else if (state === "disconnected") graceTimer = later(() => drop("ice_failed"), DISCONNECTED_GRACE_MS);
      else if (state === "connected" || state === "completed") {
        clearTimeout(graceTimer);
        if (!live) waitForFrames();
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const answered = await janus.request({ request: "publish", bitrate: ticket.bitrate },
                                         { type: offer.type, sdp: offer.sdp });
    if (!answered.jsep) throw new Error("no answer");
    await pc.setRemoteDescription(answered.jsep);
    await keepResolution(pc);
  }

  function renew() {
    api("POST", `/api/v1/shows/${showId}/webrtc-publish/renew`).then((res) => {
      if (done) return;
      if (res.ok && janus) janus.token = res.data.token;
      else drop("destroyed"); // the server no longer has this publish: it ended there
    });
  }

  const started = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  later(renew, ticket.renew_in_s * 1000, true);
  later(() => { if (!live) drop("timeout"); }, CONNECT_TIMEOUT_MS);
  janus = openJanus(ticket.ws_url, { token: ticket.token, plugin: "janus.plugin.videoroom", onEvent,
                                    onClose: () => drop("janus_closed") });
  publish().catch(() => drop("failed"));

  return {
    started,
    // A new camera (front/back): the same PeerConnection sends its tracks from now on.
    async replaceStream(next) {
      for (const sender of pc?.getSenders() || []) {
        const track = next.getTracks().find((t) => t.kind === sender.track?.kind);
        if (track?.kind === "video") track.contentHint = "detail";
        if (track) await sender.replaceTrack(track);
      }
    },
    close() {
      if (done) return;
      done = true;
      cleanup();
    },
  };
}

export function createStudio(options) {
  const { showId, onState = () => {} } = options;
  let path = null; // "webrtc" or "recorder" once the host went live
  let why = "";
  let state = "idle";
  let wanted = false;
  let stage = null;

  const recorder = createRecorderStudio({
    ...options,
    onState(next, detail) {
      if (path === "webrtc") return; // the recorder only holds the camera while WebRTC sends it
      state = next;
      onState(next, detail);
    },
  });

  // A phone that dims its screen mid-show stops its camera: hold a wake lock while on the air (as golive.js does).
  let wakeLock = null;
  function keepAwake(on) {
    if (!on) {
      wakeLock?.release().catch(() => {});
      wakeLock = null;
    } else if (!wakeLock && navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").then((lock) => { wakeLock = lock; }).catch(() => {});
    }
  }

  function set(next, detail = "") {
    state = next;
    onState(next, detail);
    keepAwake(["live", "connecting", "reconnecting"].includes(next));
  }

  function announce(next, reason = "") {
    path = next;
    why = reason;
    document.body.dataset.ingestPath = next || "";
    // The studio's line says the path and why; the phone's pill over the camera only the path.
    for (const line of document.querySelectorAll("[data-golive-path]")) {
      const short = "short" in line.dataset;
      line.textContent = !next ? "" : short ? t(`golive_path_${next}_short`)
        : [t(`golive_path_${next}`), reason ? t(`golive_why_${reason}`) : ""].join(" ").trim();
      line.dataset.path = next || "";
      line.hidden = !next;
    }
    document.dispatchEvent(new CustomEvent("ingestpath", { detail: { path: next, reason } }));
  }

  function useRecorder(reason) {
    stage?.close();
    stage = null;
    api("DELETE", `/api/v1/shows/${showId}/webrtc-publish`).finally(() => {
      if (!wanted) return;
      announce("recorder", reason);
      recorder.start();
    });
  }

  // "live", "refused" (the server said no to any path), or "fallback" (the recorder should try).
  async function startStage() {
    if (!canSendH264()) return "no_h264";
    set(state === "live" || state === "reconnecting" ? "reconnecting" : "connecting");
    const res = await api("POST", `/api/v1/shows/${showId}/webrtc-publish`);
    if (!wanted) return "stopped";
    if (!res.ok) {
      if (res.status === 409 && res.data?.reason === "unavailable") return "unavailable";
      if (res.status === 404 || res.status >= 500) return "unavailable";
      wanted = false;
      set("refused", problemText(res.data)); // not the host, the show is over, video already comes in
      return "refused";
    }
    const publishing = publishToJanus(showId, res.data, recorder.stream, { onDrop: dropped });
    stage = publishing;
    try {
      await publishing.started;
    } catch (err) {
      if (stage === publishing) stage = null;
      return err instanceof Dropped && err.message === "refused" ? "refused" : "failed";
    }
    if (!wanted || stage !== publishing) {
      publishing.close();
      return "stopped";
    }
    announce("webrtc");
    set("live");
    return "live";
  }

  async function goLive() {
    const outcome = await startStage();
    if (outcome === "refused" && state !== "refused") {
      wanted = false;
      set("refused", t("golive_refused"));
    }
    if (["no_h264", "unavailable", "failed"].includes(outcome) && wanted) useRecorder(outcome);
  }

  // The stage dropped while live: the server closed the room (the show is over), or try WebRTC again once.
  function dropped(reason) {
    stage = null;
    if (!wanted) return;
    if (reason === "destroyed") {
      wanted = false;
      set("stopped", "");
      return;
    }
    set("reconnecting", reason);
    setTimeout(async () => {
      if (!wanted) return;
      await api("DELETE", `/api/v1/shows/${showId}/webrtc-publish`); // the old room goes at once
      goLive();
    }, RETRY_MS);
  }

  return {
    get state() { return state; },
    get mimeType() { return recorder.mimeType; },
    get stream() { return recorder.stream; },
    get facing() { return recorder.facing; },
    get muted() { return recorder.muted; },
    get format() { return recorder.format; },
    get path() { return path; },
    get pathReason() { return why; },
    openCamera: (...args) => recorder.openCamera(...args),
    async start() {
      if (!recorder.stream) await recorder.openCamera();
      if (wanted) return;
      wanted = true;
      await goLive();
    },
    async switchCamera() {
      await recorder.switchCamera();
      if (stage) await stage.replaceStream(recorder.stream);
    },
    setMuted: (on) => recorder.setMuted(on),
    stop() {
      wanted = false;
      if (path === "recorder") return recorder.stop();
      stage?.close();
      stage = null;
      api("DELETE", `/api/v1/shows/${showId}/webrtc-publish`);
      set("stopped", "");
    },
  };
}
