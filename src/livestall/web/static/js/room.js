// A show room over WebSocket (see docs/protocol.md): join snapshot, batched events, acks, and reconnects.
// const room = connectRoom(url, { onSnapshot(data), onEvent(type, data), onState(state, detail), onNotice(frame) });
// onEvent(type, data, at) gets the room's batched events (`at`: when the host did it on camera, server
// epoch ms, or undefined) and the private frames (e.g. `opening.place`); onNotice gets
// `notice` frames and errors that answer no request of ours.
// room.send("chat.send", { text }) resolves with the ack's data, or rejects with the error frame.
// States: "connecting", "open", "closed" (reconnecting), "refused" (will not reconnect).

const MAX_BACKOFF_MS = 15000;
const VIEWER_KEY = "livestall.viewer";
let memoryViewerId = null;

// This browser's viewer id, kept across visits: an anonymous viewer counts once however many
// tabs or reconnects (`?viewer=`, see docs/protocol.md "Viewer counts").
function viewerId() {
  const fresh = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    let id = localStorage.getItem(VIEWER_KEY);
    if (!/^[A-Za-z0-9_-]{16,48}$/.test(id || "")) {
      id = fresh();
      localStorage.setItem(VIEWER_KEY, id);
    }
    return id;
  } catch (err) { // storage blocked: one id for this page
    memoryViewerId = memoryViewerId || fresh();
    return memoryViewerId;
  }
}

function withViewer(url) {
  const u = new URL(url, location.href);
  u.searchParams.set("viewer", viewerId());
  return u.toString();
}

export function connectRoom(url, { onSnapshot = () => {}, onEvent = () => {}, onState = () => {}, onNotice = () => {} } = {}) {
  let socket = null;
  let nextId = 0;
  let attempts = 0;
  let stopped = false;
  let retryTimer = null;
  const pending = new Map(); // frame id -> {resolve, reject}

  function fail(id, frame) {
    const waiter = pending.get(id);
    if (waiter) {
      pending.delete(id);
      waiter.reject(frame);
    }
  }

  function schedule(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  }

  function handle(frame) {
    switch (frame.type) {
      case "snapshot":
        attempts = 0;
        onSnapshot(frame.data);
        break;
      case "batch":
        for (const event of frame.events) onEvent(event.type, event.data, event.at);
        break;
      case "ack": {
        const waiter = pending.get(frame.ref);
        if (waiter) { pending.delete(frame.ref); waiter.resolve(frame.data ?? null); }
        break;
      }
      case "error":
        if (frame.ref !== undefined && pending.has(frame.ref)) fail(frame.ref, frame);
        else onNotice(frame);
        break;
      case "notice":
        onNotice(frame);
        break;
      case "resync": // frames were dropped for us: ask for the whole state again
        raw({ type: "sync" });
        break;
      case "reconnect":
        socket.close(4999, "server asked");
        schedule(frame.retry_after_ms || 1000);
        break;
      case "pong":
        break;
      default: // a private frame, for this viewer alone: handled like a room event of its type
        onEvent(frame.type, frame);
    }
  }

  function raw(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ v: 1, ...frame }));
  }

  function open() {
    if (stopped) return;
    onState("connecting");
    socket = new WebSocket(withViewer(url));
    socket.onopen = () => onState("open");
    socket.onmessage = (e) => {
      try { handle(JSON.parse(e.data)); } catch (err) { console.error("room frame", err); }
    };
    socket.onclose = (e) => {
      for (const id of [...pending.keys()]) fail(id, { type: "error", code: "closed", message: "connection closed" });
      if (stopped) return;
      // The account's login ended (logout, password change, roles changed): rejoin at once, with
      // whatever login this browser still has; a refused rejoin (4401 "unauthorized") stays closed.
      if (e.code === 4401 && e.reason === "session_ended") {
        onState("closed", e.reason);
        schedule(200 + Math.random() * 500);
        return;
      }
      // 4xxx: the server refused us (4000 + HTTP status): a login it no longer accepts (4401), banned
      // (4403) or no such show (4404) stay closed.
      if (e.code === 4401 || e.code === 4403 || e.code === 4404) {
        onState("refused", e.reason);
        return;
      }
      onState("closed", e.reason);
      if (e.code !== 4999) schedule(Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts++) + Math.random() * 500);
    };
  }

  open();
  return {
    send(type, fields = {}) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          reject({ type: "error", code: "offline", message: "not connected" });
          return;
        }
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ v: 1, id, type, ...fields }));
        setTimeout(() => fail(id, { type: "error", code: "timeout", message: "no answer" }), 15000);
      });
    },
    sync() { raw({ type: "sync" }); },
    close() { stopped = true; clearTimeout(retryTimer); if (socket) socket.close(1000); },
  };
}
