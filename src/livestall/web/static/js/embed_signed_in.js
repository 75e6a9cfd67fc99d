// The login popup's last page: tell the embedded player that opened it (same origin as this page), then close.
if (document.body.dataset.signedIn === "true") {
  const message = { type: "livestall:signed-in" };
  try {
    window.opener?.postMessage(message, location.origin);
  } catch {
    // the opener is gone: the channel below still reaches it
  }
  if ("BroadcastChannel" in window) {
    const channel = new BroadcastChannel("livestall-login");
    channel.postMessage(message);
    channel.close();
  }
  setTimeout(() => window.close(), 400);
}
