// Going live from the browser: camera + microphone -> MediaRecorder (H.264 in WebM where the browser has it,
// else VP8/VP9, 1 s keyframes) -> a WebSocket to the server, authenticated as the show's host by the session
// cookie (or a token). On a phone the stream has the shape the phone is held in: upright gives a portrait
// 720x1280 stream, sideways a landscape 1280x720 one. Usage:
//   const studio = createStudio({ showId: 42, preview: videoElement, onState: (s, detail) => ...,
//                                 onFormat: ({ width, height }) => ... });
//   await studio.openCamera(); await studio.start(); await studio.switchCamera(); studio.setMuted(true); studio.stop();
// States: "idle", "camera", "connecting", "live", "reconnecting", "refused", "stopped".

const MIME_TYPES = [
  "video/webm;codecs=h264,opus", // passed through to viewers as is
  "video/webm;codecs=avc1,opus",
  "video/webm;codecs=vp8,opus", // converted on the server, within its limit
  "video/webm;codecs=vp9,opus",
  "video/webm",
];
const TIMESLICE_MS = 250;
const RETRY_MS = 1500;
// The camera's own picture, never cut to these sizes: a camera that is upright stays upright.
const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 }, resizeMode: "none" };
const even = (n) => 2 * Math.round(n / 2);

export function pickMimeType(isSupported = (t) => MediaRecorder.isTypeSupported(t)) {
  return MIME_TYPES.find(isSupported) || "";
}

// "portrait" or "landscape" on a touch screen, as the phone is held; null on a desktop, whose camera is kept as it is.
export function heldOrientation() {
  if (!matchMedia("(pointer: coarse)").matches) return null;
  return matchMedia("(orientation: portrait)").matches ? "portrait" : "landscape";
}

export function createStudio({ showId, preview, onState = () => {}, onFormat = () => {}, token = "",
                               bitrate = 2_500_000, orientation = heldOrientation }) {
  let stream = null;
  let recorder = null;
  let recordedPortrait = null; // the shape the running recording started with
  let socket = null;
  let facing = "user";
  let muted = false;
  let wanted = false; // the host wants to be live (reconnect when the socket drops)
  let state = "idle";
  let wakeLock = null;
  let ownSize = null; // the camera's own picture, before any cut of ours
  let cut = false;
  const mimeType = pickMimeType();

  function set(next, detail = "") {
    state = next;
    onState(next, detail);
    keepAwake(next === "live" || next === "connecting" || next === "reconnecting");
  }

  // A phone that dims its screen mid-show stops its camera: hold a wake lock while live.
  async function keepAwake(on) {
    if (!on) {
      wakeLock?.release().catch(() => {});
      wakeLock = null;
    } else if (!wakeLock && navigator.wakeLock && document.visibilityState === "visible") {
      try {
        wakeLock = await navigator.wakeLock.request("screen");
        wakeLock.addEventListener("release", () => { wakeLock = null; });
      } catch { /* refused (battery saver): the show goes on */ }
    }
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") keepAwake(wanted);
  });

  function frameSize() {
    if (preview && preview.videoWidth) return { width: preview.videoWidth, height: preview.videoHeight };
    const settings = stream?.getVideoTracks()[0]?.getSettings() || {};
    return { width: settings.width || 0, height: settings.height || 0 };
  }

  function loaded() {
    if (!preview || preview.readyState >= 1) return Promise.resolve();
    return new Promise((resolve) => {
      preview.addEventListener("loadedmetadata", resolve, { once: true });
      setTimeout(resolve, 2000);
    });
  }

  // Phones turn their camera's picture themselves (upright gives 720x1280). Where a camera does not, cut the
  // shape the phone is held in out of its picture, so that an upright phone never sends a landscape stream.
  async function fitOrientation() {
    const want = orientation();
    const track = stream?.getVideoTracks()[0];
    if (!want || !track) return;
    await loaded();
    if (!cut) ownSize = frameSize();
    const { width, height } = ownSize || {};
    if (!width) return;
    const fits = (height > width) === (want === "portrait");
    if (fits && !cut) return;
    // Cut only, never scale: Chromium's recorder encodes the cut at the camera's own pixels whatever size is asked.
    const [w, h] = want === "portrait" ? [even((height * 9) / 16), height] : [width, even((width * 9) / 16)];
    const upright = { width: { ideal: w }, height: { ideal: h }, aspectRatio: { ideal: w / h }, resizeMode: "crop-and-scale" };
    try {
      await track.applyConstraints(fits ? CAMERA : { ...CAMERA, ...upright });
      cut = !fits;
    } catch { /* the camera cannot: keep its own shape */ }
  }

  function reportFormat() {
    const size = frameSize();
    if (size.width) onFormat(size);
  }

  async function openCamera(facingMode = facing) {
    facing = facingMode;
    const next = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { facingMode: facing, ...CAMERA },
    });
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = next;
    cut = false;
    stream.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    if (preview) {
      preview.srcObject = stream;
      preview.muted = true;
      preview.dataset.facing = facing; // the front camera's preview is shown mirrored, as a mirror would
      preview.play().catch(() => {});
    }
    await fitOrientation();
    reportFormat();
    if (state === "idle") set("camera");
    return stream;
  }

  function startRecorder() {
    const { width, height } = frameSize();
    recordedPortrait = height > width;
    recorder = new MediaRecorder(stream, {
      mimeType, videoBitsPerSecond: bitrate, audioBitsPerSecond: 128_000,
      videoKeyFrameIntervalDuration: 1000, // 1 s keyframes: 1 s segments, low latency
    });
    recorder.ondataavailable = (e) => {
      if (e.data.size && socket && socket.readyState === WebSocket.OPEN) socket.send(e.data);
    };
    recorder.start(TIMESLICE_MS);
  }

  function stopRecorder() {
    return new Promise((resolve) => {
      if (!recorder || recorder.state === "inactive") return resolve();
      recorder.addEventListener("stop", () => resolve(), { once: true });
      recorder.stop(); // the last chunk is sent before "stop"
    });
  }

  // A new recording over the same socket (its own WebM header): the server starts a new ffmpeg for it.
  let restarting = Promise.resolve();
  function restartRecorder(needed = () => true) {
    restarting = restarting.then(async () => {
      if (!socket || socket.readyState !== WebSocket.OPEN || !needed()) return;
      await stopRecorder();
      if (socket.readyState === WebSocket.OPEN) startRecorder();
    });
    return restarting;
  }

  // The phone was turned: the picture changes shape, and a recording keeps the shape it started with.
  function turned() {
    const { width, height } = frameSize();
    return Boolean(recorder && recorder.state === "recording" && width && (height > width) !== recordedPortrait);
  }
  if (preview) {
    preview.addEventListener("resize", () => {
      reportFormat();
      if (turned()) restartRecorder(turned);
    });
  }
  matchMedia("(orientation: portrait)").addEventListener("change", () => {
    if (!stream) return;
    // A phone's camera turns its picture a moment after the screen turns: give it that moment before cutting.
    new Promise((resolve) => {
      preview?.addEventListener("resize", resolve, { once: true });
      setTimeout(resolve, 1000);
    }).then(fitOrientation);
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = token ? `?token=${encodeURIComponent(token)}` : "";
    socket = new WebSocket(`${scheme}//${location.host}/ws/studio/shows/${showId}/ingest${query}`);
    socket.binaryType = "arraybuffer";
    set(state === "live" || state === "reconnecting" ? "reconnecting" : "connecting");
    socket.onopen = () => startRecorder();
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "ready") set("live", msg.transcode ? "converted on the server" : "");
      if (msg.type === "error") {
        wanted = false;
        set("refused", msg.detail || "refused");
      }
    };
    socket.onclose = async (e) => {
      await stopRecorder();
      if (wanted && e.code < 4000) {
        set("reconnecting", e.reason || "connection lost");
        setTimeout(() => wanted && connect(), RETRY_MS);
      } else if (state !== "refused") {
        set("stopped", e.reason || "");
      }
    };
  }

  return {
    get state() { return state; },
    get mimeType() { return mimeType; },
    get stream() { return stream; },
    get facing() { return facing; },
    get muted() { return muted; },
    get format() { return frameSize(); },
    openCamera,
    async start() {
      if (!stream) await openCamera();
      wanted = true;
      connect();
    },
    async switchCamera() {
      await openCamera(facing === "user" ? "environment" : "user");
      await restartRecorder();
    },
    // The microphone off (silence is sent) or on again; the camera goes on either way.
    setMuted(on) {
      muted = Boolean(on);
      stream?.getAudioTracks().forEach((t) => { t.enabled = !muted; });
      return muted;
    },
    stop() {
      wanted = false;
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "stop" }));
      stopRecorder();
    },
  };
}
