// Commerce in step with the picture (docs/protocol.md, "In step with the picture").
// What the host does on camera reaches the room about 3 s before a viewer's video shows it. An event
// stamped with `at` (the server time, epoch ms, at which the host did it) waits until the video on screen
// reaches that moment, by the player's picture clock (HLS program date-time); events that come after it
// wait behind it, so the shelf never goes back in time. Chat, likes and counts never wait. Without a
// picture clock (not playing, paused, a hidden tab) everything shows at once.
// const stage = createStage(() => player?.pictureTime()); stage.run(type, at, () => apply(...)); stage.reset();

// A player can fall behind by a few segments at most; nothing is held longer than this.
const MAX_HOLD_MS = 15000;
// Not about what the camera shows: the room's own life, and what must show at once.
const NEVER_WAIT = new Set(["chat.message", "chat.deleted", "likes", "viewers", "room.settings", "question.asked",
  "stream.state", "show.live", "show.ended", "show.cancelled",
  // Auctions close by the server's clock: a bidder sees the price the moment it changes.
  "auction.scheduled", "auction.started", "auction.bid", "auction.ended", "auction.cancelled", "auction.winning",
  "auction.outbid", "auction.won", "auction.offered"]);

export function createStage(pictureTime) {
  const queue = []; // {at, apply, until}, in arrival order
  let ticking = false;

  function applyNow(apply) {
    try { apply(); } catch (err) { console.error("room event", err); }
  }

  function flush() {
    while (queue.length) applyNow(queue.shift().apply);
  }

  function due(entry, picture, now) {
    return entry.at == null || picture == null || picture >= entry.at || now >= entry.until;
  }

  // Checked once per painted frame: a card shows in the frame where the video reaches its moment.
  function tick() {
    const picture = document.hidden ? null : pictureTime();
    const now = performance.now();
    while (queue.length && due(queue[0], picture, now)) applyNow(queue.shift().apply);
    ticking = queue.length > 0;
    if (ticking) requestAnimationFrame(tick);
  }

  // A hidden tab paints no frames: what waits shows at once, as it would without video.
  document.addEventListener("visibilitychange", () => { if (document.hidden) flush(); });

  return {
    // Apply an event now, or when the picture reaches `at`; after anything still waiting, in order.
    run(type, at, apply) {
      if (NEVER_WAIT.has(type)) return applyNow(apply);
      const entry = { at: typeof at === "number" ? at : null, apply, until: performance.now() + MAX_HOLD_MS };
      if (!queue.length && due(entry, document.hidden ? null : pictureTime(), performance.now())) return applyNow(apply);
      queue.push(entry);
      if (!ticking) {
        ticking = true;
        requestAnimationFrame(tick);
      }
    },
    // A snapshot is the room as it is now: what was waiting is already in it.
    reset() { queue.length = 0; },
    get waiting() { return queue.length; },
  };
}
