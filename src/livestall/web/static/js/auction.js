// The show's live auction card. The close is the server's: every auction event carries the server's `now`, so the
// countdown runs on server time (the offset from the event), never the phone's clock. One tap bids the next valid
// amount (the amount on the button, so a bidder never pays more than they saw); "Custom bid" takes an amount and
// a max to bid up to by proxy. Bids go over the room socket (`bid`); the standing comes back privately
// (`auction.winning`, `auction.outbid`, `auction.won`, `auction.offered`).
import { api, clock, formatMoney, formatNumber, goLogin, minorUnits, pageData, problemText, serverNow, setServerTime, t }
  from "./app.js";

const card = document.querySelector("[data-auction]");
const loggedIn = pageData.user_id !== null && pageData.user_id !== undefined;
const DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0 };
const SHOW_ENDED_MS = 60000; // an ended auction's banner stays this long
const state = { current: null, standing: null, message: null, offer: null, endedAt: 0 };
const $ = (sel) => card.querySelector(sel);

const money = (m) => (m ? formatMoney(m.amount_minor, m.currency) : "");

// A refusal by its rule in the page's language: the auction's own wording, then the shared one, else the server's.
function ruleText(rule, message) {
  for (const key of [`auction_rule_${rule}`, `rule_${rule}`]) if (rule && t(key) !== key) return t(key);
  return message || t("error");
}

function setNote(kind, text) {
  state.standing = kind ? { kind, text } : null;
}

function refusalText(frame) {
  if (!frame) return t("error");
  if (["offline", "closed", "timeout"].includes(frame.code)) return t("auction_offline");
  return ruleText(frame.rule, frame.message);
}

function showError(text) {
  const node = $("[data-auction-error]");
  node.textContent = text || "";
  node.hidden = !text;
}

function visible(a) {
  if (!a) return false;
  if (a.status === "scheduled" || a.status === "open") return true;
  if (state.offer && state.offer.auction_id === a.id) return true;
  return a.status === "ended" && serverNow() - state.endedAt < SHOW_ENDED_MS;
}

function endText(a) {
  if (a.status === "cancelled") return t("auction_cancelled");
  if (state.offer && state.offer.auction_id === a.id) {
    return t("auction_offer", { amount: money(state.offer.price), time: new Date(state.offer.expires_at)
      .toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" }) });
  }
  if (a.result === "sold" || a.result === "sold_runner_up") {
    return t("auction_sold", { name: a.winner_name || "", amount: money(a.hammer) });
  }
  if (a.result === "offered") return t("auction_offered_room");
  return t("auction_unsold");
}

function draw() {
  const a = state.current;
  card.hidden = !visible(a);
  if (card.hidden) return;
  card.dataset.status = a.status;
  $("[data-auction-title]").textContent = a.title;
  const image = $("[data-auction-image]");
  image.hidden = !a.image_url;
  if (a.image_url) image.src = a.image_url;
  const running = a.status === "open" || a.status === "scheduled";
  $("[data-auction-price]").textContent = a.bids ? money(a.price) : t("auction_starts_at", { amount: money(a.starting_price) });
  $("[data-auction-leader]").textContent = !running ? "" : a.leader_name
    ? t("auction_leader", { name: a.leader_name, count: formatNumber(a.bids) })
    : (a.status === "scheduled" ? t("auction_prebids_open") : t("auction_no_bids"));
  const note = $("[data-auction-state]");
  note.hidden = !state.standing || !running;
  if (state.standing) {
    note.dataset.kind = state.standing.kind;
    note.textContent = state.standing.text;
  }
  $("[data-auction-controls]").hidden = !running;
  $("[data-auction-custom]").hidden = !running || $("[data-auction-more]").getAttribute("aria-expanded") !== "true";
  const step = a.status === "scheduled" ? a.starting_price : a.next_bid;
  $("[data-auction-step-big]").textContent = a.bids ? `+${money(a.increment)}` : money(step);
  $("[data-auction-step-small]").textContent = a.status === "scheduled"
    ? t("auction_prebid", { amount: money(step) }) : t("auction_bid", { amount: money(step) });
  $("[data-auction-step]").dataset.amount = String(step.amount_minor);
  const end = $("[data-auction-end]");
  end.hidden = running;
  if (!running) {
    $("[data-auction-end-text]").textContent = state.message || endText(a);
    const accept = $("[data-auction-accept]");
    const offered = state.offer && state.offer.auction_id === a.id;
    accept.hidden = !offered;
    if (offered) accept.textContent = t("auction_accept", { amount: money(state.offer.price) });
  }
  tick();
}

function tick() {
  const a = state.current;
  if (!a || card.hidden) return;
  const node = $("[data-auction-clock]");
  if (a.status !== "open") {
    node.textContent = a.status === "scheduled" ? t("auction_soon") : t("auction_closed");
    node.classList.remove("soon");
    return;
  }
  const left = (Date.parse(a.ends_at) - serverNow()) / 1000;
  node.textContent = left > 0 ? clock(Math.ceil(left)) : t("auction_closing");
  node.classList.toggle("soon", left <= a.snipe_s);
}

async function placeBid(fields) {
  const a = state.current;
  if (!a) return;
  if (!loggedIn) return goLogin();
  const room = window.livestallShow?.room;
  showError("");
  if (!room) return showError(t("auction_offline"));
  try {
    const answer = await room.send("bid", { auction_id: a.id, ...fields });
    const max = formatMoney(answer.max_minor, a.price.currency);
    if (answer.outcome === "prebid") setNote("prebid", t("auction_prebid_placed", { max }));
    else if (answer.leading) setNote("winning", t("auction_winning", { max }));
    else setNote("outbid", t("auction_outbid", { name: a.leader_name || "", amount: formatMoney(answer.price_minor, a.price.currency) }));
    draw();
    return true;
  } catch (frame) {
    showError(refusalText(frame));
    return false;
  }
}

function readAmount(input, required) {
  const text = input.value.trim();
  if (!text && !required) return undefined;
  const digits = DIGITS[state.current.price.currency] ?? 2;
  const minor = minorUnits(text, digits);
  if (minor === null) throw new Error(t("auction_amount_format"));
  return minor;
}

async function customBid(event) {
  event.preventDefault();
  let amount;
  let max;
  try {
    amount = readAmount($("[data-auction-amount]"), false);
    max = readAmount($("[data-auction-max]"), false);
  } catch (err) {
    return showError(err.message);
  }
  const fields = {};
  if (amount !== undefined) fields.amount = amount;
  if (max !== undefined) fields.max = max;
  if (!Object.keys(fields).length) return showError(t("auction_amount_format"));
  if (await placeBid(fields)) {  // placed: the form folds away, the card shows the standing
    $("[data-auction-more]").setAttribute("aria-expanded", "false");
    $("[data-auction-custom]").reset();
    draw();
  }
}

async function accept() {
  const a = state.current;
  if (!a) return;
  const button = $("[data-auction-accept]");
  button.disabled = true;
  const res = await api("POST", `/api/v1/auctions/${a.id}/accept`);
  button.disabled = false;
  const refused = res.data?.errors?.[0];
  if (!res.ok) return showError(refused ? ruleText(refused.rule, refused.message) : problemText(res.data));
  state.offer = null;
  state.current = res.data.auction;
  state.message = t("auction_accepted", { ref: res.data.order.ref });
  draw();
}

// `fromEvent`: the view came with an event, whose `now` is the server's clock as it left; a snapshot's view may
// be older than that (the snapshot's own `server_time`, set by show.js, is the clock then).
function onAuction(view, fromEvent = true) {
  if (fromEvent && view.now) setServerTime(Date.parse(view.now));
  const fresh = !state.current || state.current.id !== view.id;
  if (fresh) {
    state.standing = null;
    state.message = null;
    showError("");
  }
  if (view.status === "ended" || view.status === "cancelled") state.endedAt = serverNow();
  state.current = view;
}

function onRoom(type, data) {
  if (type === "snapshot") {
    const part = data.auction || {};
    if (!part.current) { state.current = null; draw(); return; }
    onAuction(part.current, false);
    if (part.current.status === "ended") state.endedAt = Date.parse(part.current.ends_at);
    const mine = part.mine;
    if (mine && mine.auction_id === part.current.id) {
      if (mine.offer) state.offer = { auction_id: mine.auction_id, ...mine.offer };
      if (part.current.status === "open" && mine.leading) setNote("winning", t("auction_winning", { max: money(mine.max) }));
      else if (part.current.status === "scheduled" && mine.max) setNote("prebid", t("auction_prebid_placed", { max: money(mine.max) }));
    }
  } else if (type.startsWith("auction.") && data.show_id !== undefined) {
    onAuction(data);
  } else if (type === "auction.winning") {
    if (data.now) setServerTime(Date.parse(data.now));
    setNote("winning", t("auction_winning", { max: money(data.max) }));
  } else if (type === "auction.outbid") {
    const outbid = { name: data.leader_name || "", amount: money(data.price), last4: data.card_last4 };
    setNote("outbid", t(data.card_last4 ? "auction_outbid_card" : "auction_outbid", outbid));
  } else if (type === "auction.won") {
    const won = { ref: data.order_ref, amount: money(data.hammer), last4: data.card_last4 };
    state.message = t(data.card_last4 ? "auction_won_card" : "auction_won", won);
  } else if (type === "auction.offered") {
    state.offer = data;
  } else {
    return;
  }
  draw();
}

if (card) {
  $("[data-auction-step]").addEventListener("click", (e) => placeBid({ amount: Number(e.currentTarget.dataset.amount) }));
  $("[data-auction-more]").addEventListener("click", (e) => {
    const open = e.currentTarget.getAttribute("aria-expanded") !== "true";
    e.currentTarget.setAttribute("aria-expanded", String(open));
    draw();
    if (open) $("[data-auction-amount]").focus();
  });
  $("[data-auction-custom]").addEventListener("submit", customBid);
  $("[data-auction-accept]").addEventListener("click", accept);
  document.addEventListener("livestall:room", ({ detail }) => onRoom(detail.type, detail.data));
  setInterval(() => { if (state.current && !visible(state.current) !== card.hidden) draw(); else tick(); }, 250);
}
