/* Livestall's shoppable player on any website, served at /embed.js:

     <script src="https://live.example.com/embed.js" data-show="123" data-chat="true" data-cart="host" async></script>

   draws the show in a responsive frame right after the tag, re-dispatches the player's events (livestall:ready,
   livestall:play, livestall:add-to-cart, livestall:purchase, livestall:status, livestall:volume) as DOM
   CustomEvents on the tag (they bubble to the document), and passes commands to the player:
   tag.livestall.mute(), .unmute(), .pause(), .resume(), or a "livestall:command" event on the tag with
   {detail: {type: "livestall:mute"}}. Messages are exchanged with the player's origin only. See docs/embed.md. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || script.livestall) return;
  var base = new URL(script.src, location.href).origin;
  var show = (script.getAttribute("data-show") || "").trim();
  if (!/^\d{1,18}$/.test(show)) {
    console.error("Livestall embed: data-show must be the show's number, such as data-show=\"123\"");
    return;
  }
  var params = new URLSearchParams();
  params.set("origin", location.origin);
  params.set("cart", script.getAttribute("data-cart") === "host" ? "host" : "player");
  params.set("chat", script.getAttribute("data-chat") === "false" ? "false" : "true");

  var frame = document.createElement("iframe");
  frame.src = base + "/embed/shows/" + show + "?" + params.toString();
  frame.title = script.getAttribute("data-title") || "Live shopping";
  frame.allow = "autoplay; fullscreen; picture-in-picture";
  frame.setAttribute("allowfullscreen", "");
  frame.setAttribute("data-livestall-show", show);
  var maxWidth = script.getAttribute("data-max-width") || "420px";
  frame.style.cssText = "display:block;width:100%;max-width:" + maxWidth + ";aspect-ratio:9/16;min-height:480px;" +
    "max-height:95vh;border:0;border-radius:12px;background:#111;color-scheme:normal";
  script.parentNode.insertBefore(frame, script.nextSibling);

  function send(type, detail) {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: type, detail: detail || {} }, base);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== base) return;
    var message = event.data;
    if (!message || typeof message.type !== "string" || message.type.indexOf("livestall:") !== 0) return;
    script.dispatchEvent(new CustomEvent(message.type, { detail: message.detail || {}, bubbles: true }));
  });
  script.addEventListener("livestall:command", function (event) {
    if (event.detail && typeof event.detail.type === "string") send(event.detail.type, event.detail.detail);
  });
  script.livestall = {
    frame: frame,
    send: send,
    mute: function () { send("livestall:mute"); },
    unmute: function () { send("livestall:unmute"); },
    pause: function () { send("livestall:pause"); },
    resume: function () { send("livestall:resume"); },
  };
})();
