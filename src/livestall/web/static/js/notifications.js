// The header's unread badge, and turning on Web Push for this browser on the settings page.
const badge = document.querySelector("[data-unread-badge]");

async function refreshBadge() {
  if (!badge) return;
  try {
    const res = await fetch("/api/v1/me/notifications/unread", { credentials: "same-origin" });
    if (!res.ok) return;
    const { unread } = await res.json();
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
  } catch { /* offline: keep the last count */ }
}

refreshBadge();
setInterval(refreshBadge, 60_000);

function keyBytes(base64url) {
  const raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - base64url.length % 4) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const enable = document.querySelector("[data-push-enable]");
if (enable && "serviceWorker" in navigator && "PushManager" in window) {
  const status = document.querySelector("[data-push-status]");
  enable.addEventListener("click", async () => {
    try {
      const reg = await navigator.serviceWorker.register("/static/js/push-sw.js");
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true,
        applicationServerKey: keyBytes(enable.dataset.key) });
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const res = await fetch("/api/v1/me/push-subscriptions", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token }, body: JSON.stringify(sub.toJSON()) });
      status.textContent = res.ok ? "✓" : "✗";
    } catch (err) {
      status.textContent = "✗";
    }
  });
} else if (enable) {
  enable.hidden = true;
}

// A notification's link names the order or ticket it is about (#order-12, #ticket-7): on the page listing them,
// bring that one into view and mark it, since those lists carry the ids as data attributes.
function pointAtLinkedItem() {
  const match = /^#(order|ticket)-(\d+)$/.exec(location.hash);
  if (!match || document.getElementById(location.hash.slice(1))) return;
  const item = document.querySelector(`[data-${match[1]}-id="${match[2]}"]`);
  if (!item) return;
  item.setAttribute("aria-current", "true");
  item.dataset.pointed = "";
  item.style.outline = "3px solid var(--accent)";
  item.style.outlineOffset = "2px";
  item.scrollIntoView({ block: "center" });
}

pointAtLinkedItem();
window.addEventListener("hashchange", pointAtLinkedItem);

// Opening a notification from the feed marks it read (keepalive: the request outlives the page it leaves).
for (const link of document.querySelectorAll("[data-notification-link]")) {
  link.addEventListener("click", () => {
    const id = Number(link.closest("[data-notification]")?.dataset.notification);
    const token = document.querySelector('meta[name="csrf-token"]')?.content;
    if (!id || !token) return;
    fetch("/api/v1/me/notifications/read", { method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token }, body: JSON.stringify({ ids: [id] }) })
      .catch(() => { /* offline: it stays unread */ });
  });
}
