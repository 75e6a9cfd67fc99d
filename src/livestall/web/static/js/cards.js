// Live show cards: a newer picture of each live show on screen every few seconds. The server takes one
// frame of each live stream every 5 s; this asks for it by a URL that changes once per period, so every
// viewer in the same period shares one cached response.
const EVERY_MS = 5000;
// A show with no picture yet (it has just gone live, or its video is on a machine that did not render
// this page) is asked for a while, then left with its cover.
const MAX_MISSES = 6;

const covers = [...document.querySelectorAll("a.cover[data-snapshot]")];
const onScreen = new Set();
const misses = new WeakMap();

function show(cover, picture) {
  let frame = cover.querySelector("img.frame");
  if (!frame) {
    frame = document.createElement("img");
    frame.className = "frame";
    frame.alt = "";
    cover.querySelector("img, .cover-fallback")?.remove();
    cover.prepend(frame);
    cover.classList.add("framed");
  }
  frame.width = picture.naturalWidth;  // the stream may turn from landscape to portrait
  frame.height = picture.naturalHeight;
  frame.src = picture.src;  // already loaded and decoded: no blank between two pictures
}

function refresh(cover) {
  if ((misses.get(cover) || 0) >= MAX_MISSES) return;
  const url = new URL(cover.dataset.snapshot, location.href);
  url.searchParams.set("t", String(Math.floor(Date.now() / EVERY_MS)));
  const picture = new Image();
  picture.addEventListener("load", async () => {
    misses.set(cover, 0);
    try { await picture.decode(); } catch { return; }
    show(cover, picture);
  });
  picture.addEventListener("error", () => misses.set(cover, (misses.get(cover) || 0) + 1));
  picture.src = url.href;
}

if (covers.length) {
  if ("IntersectionObserver" in window) {
    const watcher = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) onScreen.add(entry.target); else onScreen.delete(entry.target);
      }
    });
    covers.forEach((cover) => watcher.observe(cover));
  } else {
    covers.forEach((cover) => onScreen.add(cover));
  }
  covers.filter((cover) => !cover.querySelector("img.frame")).forEach(refresh);
  setInterval(() => {
    if (document.visibilityState === "visible") onScreen.forEach(refresh);
  }, EVERY_MS);
}
