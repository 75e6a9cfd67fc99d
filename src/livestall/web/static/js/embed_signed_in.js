// The sign-in popup of a player framed by a merchant's website. Browsers keep our login cookie out of that frame, so
// this window (on our own site, where the login is) asks for a short-lived token for the player's show and website,
// hands it to the player with postMessage to our own origin only (the player's frame is on it too; never "*"), and
// closes once the player says it has it. A BroadcastChannel carries it when the browser cut the window's opener.
const body = document.body;
const showId = Number(body.dataset.show || 0);
const step = (name) => {
  for (const p of document.querySelectorAll("[data-step]")) p.hidden = p.dataset.step !== name;
};
const closeButton = document.querySelector("[data-close]");
closeButton?.addEventListener("click", () => window.close());

const channel = "BroadcastChannel" in window ? new BroadcastChannel("livestall-login") : null;

function tell(message) {
  try {
    window.opener?.postMessage(message, location.origin);
  } catch {
    // the opener is gone: the channel below may still reach the player
  }
  channel?.postMessage(message);
}

async function askToken() {
  let res = null;
  try {
    res = await fetch("/api/v1/embed/tokens", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content || "" },
      body: JSON.stringify({ show_id: showId, origin: body.dataset.origin }),
    });
  } catch {
    res = null;
  }
  const data = res ? await res.json().catch(() => null) : null;
  return { ok: Boolean(res?.ok), status: res?.status || 0, data };
}

async function handOver() {
  const res = await askToken();
  if (!res.ok) {
    const rule = res.data?.errors?.[0]?.rule || "";
    step(rule === "embed_origin_allowed" ? "refused" : "failed");
    closeButton.hidden = false;
    tell({ type: "livestall:embed-refused", show_id: showId, rule, detail: res.data?.detail || "" });
    return;
  }
  const { token, expires_at: expiresAt, origin } = res.data;
  const taken = (message) => {
    if (message?.type !== "livestall:embed-token-taken" || message.show_id !== showId) return;
    step("done");
    setTimeout(() => window.close(), 300);
  };
  window.addEventListener("message", (e) => { if (e.origin === location.origin) taken(e.data); });
  channel?.addEventListener("message", (e) => taken(e.data));
  tell({ type: "livestall:embed-token", show_id: showId, token, expires_at: expiresAt, origin });
  // No answer: the player was closed or cannot be reached from here; say so rather than vanish.
  setTimeout(() => {
    if (window.closed) return;
    step("lost");
    closeButton.hidden = false;
  }, 4000);
}

if (body.dataset.signedIn === "true") {
  if (showId) handOver();
  else setTimeout(() => window.close(), 400);
}
