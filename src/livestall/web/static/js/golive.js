// Going live from the browser: camera + microphone -> MediaRecorder (H.264 in WebM where the browser has it,
// else VP8/VP9, 1 s keyframes) -> a WebSocket to the server, authenticated as the show's host by the session
// cookie (or a token). Usage:
//   const studio = createStudio({ showId: 42, preview: videoElement, onState: (s, detail) => ... });
//   await studio.openCamera(); await studio.start(); await studio.switchCamera(); studio.stop();
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

export function pickMimeType(isSupported = (t) => MediaRecorder.isTypeSupported(t)) {
  return MIME_TYPES.find(isSupported) || "";
}

export function createStudio({ showId, preview, onState = () => {}, token = "", bitrate = 2_500_000 }) {
  let stream = null;
  let recorder = null;
  let socket = null;
  let facing = "user";
  let wanted = false; // the host wants to be live (reconnect when the socket drops)
  let state = "idle";
  const mimeType = pickMimeType();

  function set(next, detail = "") {
    state = next;
    onState(next, detail);
  }

  async function openCamera(facingMode = facing) {
    facing = facingMode;
    const next = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
    });
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = next;
    if (preview) {
      preview.srcObject = stream;
      preview.muted = true;
      preview.play().catch(() => {});
    }
    if (state === "idle") set("camera");
    return stream;
  }

  function startRecorder() {
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
    openCamera,
    async start() {
      if (!stream) await openCamera();
      wanted = true;
      connect();
    },
    // Front/back camera: a new recording over the same socket; the server restarts its ffmpeg for it.
    async switchCamera() {
      await openCamera(facing === "user" ? "environment" : "user");
      if (socket && socket.readyState === WebSocket.OPEN) {
        await stopRecorder();
        startRecorder();
      }
    },
    stop() {
      wanted = false;
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "stop" }));
      stopRecorder();
    },
  };
}
