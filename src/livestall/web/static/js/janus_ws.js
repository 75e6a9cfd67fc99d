// One Janus session with one plugin handle over Janus's WebSocket transport (janus-protocol): requests answered
// by transaction, the session kept alive, candidates trickled, the session destroyed on close. The stage player
// (webrtc.js) and the studio's WebRTC publish (webrtc_publish.js) each drive one.
// const janus = openJanus(url, { token, plugin, onEvent(msg), onClose() }); await janus.ready;
// const answer = await janus.request(body, jsep); janus.trickle(candidate); janus.token = renewed; janus.close();

const KEEPALIVE_MS = 5000; // Janus drops sessions after LIVESTALL_JANUS_SESSION_TIMEOUT_S (15 s) of silence

export function openJanus(url, { token, plugin, onEvent = () => {}, onClose = () => {} }) {
  const ws = new WebSocket(url, "janus-protocol");
  const pending = new Map(); // transaction -> { resolve, reject }
  let nextTx = 1;
  let sessionId = null;
  let handleId = null;
  let keepalive = null;
  const janus = { token };

  function post(message) {
    if (ws.readyState !== WebSocket.OPEN) return;
    const body = { ...message, token: janus.token, transaction: message.transaction || `t${nextTx++}` };
    if (sessionId) body.session_id = sessionId;
    ws.send(JSON.stringify(body));
  }

  function ask(message) {
    const transaction = `t${nextTx++}`;
    return new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) return reject(new Error("janus_closed"));
      pending.set(transaction, { resolve, reject });
      post({ ...message, transaction });
    });
  }

  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.janus === "ack" || msg.janus === "keepalive") return;
    const waiter = msg.transaction && pending.get(msg.transaction);
    if (!waiter) return onEvent(msg); // Janus's own news: a hangup, the mountpoint or room gone
    pending.delete(msg.transaction);
    // Janus says no either itself (a bad token, no session) or through the plugin (a wrong pin, no mountpoint).
    const error = msg.janus === "error" ? msg.error?.reason || "error" : msg.plugindata?.data?.error;
    return error ? waiter.reject(new Error(error)) : waiter.resolve(msg);
  };
  ws.onclose = () => { clearInterval(keepalive); onClose(); };

  janus.ready = new Promise((resolve, reject) => {
    ws.onopen = async () => {
      try {
        sessionId = (await ask({ janus: "create" })).data.id;
        keepalive = setInterval(() => post({ janus: "keepalive", transaction: "ka" }), KEEPALIVE_MS);
        handleId = (await ask({ janus: "attach", plugin })).data.id;
        resolve();
      } catch (err) { reject(err); }
    };
    ws.addEventListener("close", () => reject(new Error("janus_closed")));
  });

  // A message to the plugin, with the browser's offer or answer when there is one.
  janus.request = (body, jsep) => ask({ janus: "message", handle_id: handleId, body, ...(jsep ? { jsep } : {}) });
  janus.trickle = (candidate) => post({ janus: "trickle", handle_id: handleId,
                                       candidate: candidate ? candidate.toJSON() : { completed: true } });
  janus.close = () => {
    clearInterval(keepalive);
    if (sessionId) { try { post({ janus: "destroy", transaction: "bye" }); } catch { /* already closing */ } }
    ws.onclose = null;
    ws.close();
  };
  return janus;
}
