// What every page shares: translated strings, the CSRF-protected fetch, countdowns, follow and remind-me
// buttons, the browser's time zone for server-side dates. Loaded on every page; other modules import it.

document.documentElement.classList.add("js");

function readJSON(id, fallback) {
  const el = document.getElementById(id);
  if (!el) return fallback;
  try { return JSON.parse(el.textContent); } catch { return fallback; }
}

const MESSAGES = readJSON("js-messages", {});
export const pageData = readJSON("page-data", {});
export const lang = document.documentElement.lang || "en";

// A translated string of the page; %(name)s placeholders are filled from `vars`.
export function t(key, vars = {}) {
  const text = MESSAGES[key] || key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// The embedded player on another website gets no login cookie: it signs its calls with a token kept in memory.
let signedWith = {};
export function signCalls(headers) {
  signedWith = { ...headers };
}
export function callsSigned() {
  return Object.keys(signedWith).length > 0;
}

// fetch with the page's CSRF token; JSON in and out. Resolves to {ok, status, data}.
export async function api(method, url, body = undefined, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrfToken(), ...signedWith, ...headers } };
  if (body instanceof URLSearchParams || body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    return { ok: false, status: 0, data: { detail: t("error") } };
  }
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  return { ok: res.ok, status: res.status, data };
}

// A typed amount, "12.50" or "12,50", in minor units (1250); null if it is not an amount with `digits` decimals.
export function minorUnits(text, digits) {
  const found = /^(\d{1,13})(?:[.,](\d+))?$/.exec(text.trim());
  if (!found || (found[2] || "").length > digits) return null;
  const minor = Number(found[1]) * 10 ** digits + Number((found[2] || "").padEnd(digits, "0") || 0);
  return minor > 0 ? minor : null;
}

// The first field error of a problem response, in the page's language when the page knows its rule
// (`rule_<rule>` in the strings), else the server's text; or its detail.
export function problemText(data) {
  if (!data) return t("error");
  if (Array.isArray(data.errors) && data.errors.length) {
    const [first] = data.errors;
    return (first.rule && MESSAGES[`rule_${first.rule}`]) || first.message;
  }
  return data.detail || t("error");
}

export function goLogin() {
  // A framed player cannot show our login page (it refuses frames): the player's script signs in in a popup.
  if (pageData.embed) return void document.dispatchEvent(new CustomEvent("livestall:login-needed"));
  location.href = pageData.login_url || `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

// Money in the page's language (Intl and Babel share the CLDR data).
const DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0 };
export function formatMoney(amountMinor, currency) {
  const digits = DIGITS[currency] ?? 2;
  try {
    return new Intl.NumberFormat(lang, { style: "currency", currency }).format(amountMinor / 10 ** digits);
  } catch {
    return `${currency} ${(amountMinor / 10 ** digits).toFixed(digits)}`;
  }
}

export function formatNumber(n) {
  return new Intl.NumberFormat(lang).format(n);
}

// "01:02:03" for a number of seconds (or "2:03" under an hour).
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function countdownText(ms) {
  if (ms <= 0) return t("starting");
  if (ms > 86_400_000) {
    const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    return rtf.format(Math.round(ms / 86_400_000), "day");
  }
  return t("starts_in", { time: clock(ms / 1000) });
}

// The server's clock, as the room's snapshots tell it: countdowns and sale starts follow it, whatever
// this device's clock says.
let serverOffsetMs = 0;
export function setServerTime(ms) {
  if (Number.isFinite(ms)) serverOffsetMs = ms - Date.now();
}
export function serverNow() {
  return Date.now() + serverOffsetMs;
}

function tickCountdowns() {
  const now = serverNow();
  for (const el of document.querySelectorAll("[data-countdown]")) {
    const at = Date.parse(el.dataset.countdown);
    if (!Number.isNaN(at)) el.textContent = countdownText(at - now);
  }
}

// The server formats dates in the browser's time zone, which it learns from this cookie.
function rememberTimeZone() {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes(`livestall_tz=${encodeURIComponent(zone)}`)) {
      document.cookie = `livestall_tz=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
    }
  } catch { /* no Intl time zones: the server shows UTC */ }
}

// -- follow and remind, kept across a login ---------------------------------------------------------

// What a logged-out visitor tapped ("Follow", "Remind me") is kept while they log in, and done when they are
// back on the page: they should not have to find the button and tap it again.
const PENDING_ACTION = "livestall.afterLogin";
const PENDING_FOR_MS = 15 * 60 * 1000;

function loginFor(action) {
  sessionStorage.setItem(PENDING_ACTION, JSON.stringify({ ...action, path: location.pathname, at: Date.now() }));
  goLogin();
}

function followButtons(kind, target) {
  return document.querySelectorAll(`button[data-follow="${CSS.escape(kind)}"][data-target="${CSS.escape(String(target))}"]`);
}

async function toggleFollow(button) {
  const { follow: kind, target } = button.dataset;
  const on = button.getAttribute("aria-pressed") !== "true";
  const res = await api(on ? "PUT" : "DELETE", `/api/v1/me/follows/${kind}/${target}`);
  if (res.status === 401) return loginFor({ follow: kind, target });
  if (!res.ok) return;
  const label = on ? t("following") : t("follow");
  for (const each of followButtons(kind, target)) {  // the show page has one for the desktop and one on the video
    each.setAttribute("aria-pressed", String(on));
    // Keep the name after the dot on the show page ("Follow · Li Mei").
    const rest = each.textContent.includes("·") ? each.textContent.slice(each.textContent.indexOf("·")) : "";
    each.textContent = rest ? `${label} ${rest}` : label;
  }
}

async function submitRemind(form) {
  const body = new URLSearchParams(new FormData(form));
  const res = await api("POST", form.action, body);
  if (res.status === 401) return loginFor({ remind: form.getAttribute("action") });
  if (!res.ok) return;
  const on = form.elements.on.value === "1";
  form.elements.on.value = on ? "0" : "1";
  const button = form.querySelector("button");
  button.setAttribute("aria-pressed", String(on));
  button.classList.toggle("on", on);
  button.textContent = on ? t("reminded") : t("remind");
}

document.addEventListener("change", (e) => {
  if (e.target.matches("select[data-autosubmit]")) e.target.form.requestSubmit();
});
document.addEventListener("click", (e) => {
  const follow = e.target.closest("button[data-follow]");
  if (follow) {
    e.preventDefault();
    if (loggedOut()) return loginFor({ follow: follow.dataset.follow, target: follow.dataset.target });
    toggleFollow(follow);
  }
});
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (form.matches("form[data-remind]")) {
    e.preventDefault();
    if (loggedOut()) return loginFor({ remind: form.getAttribute("action") });
    submitRemind(form);
  }
});

function loggedOut() {
  return pageData.logged_in === false || (pageData.user_id === null && "user_id" in pageData);
}

function resumeAfterLogin() {
  const saved = JSON.parse(sessionStorage.getItem(PENDING_ACTION) || "null");
  if (!saved || !(pageData.logged_in === true || pageData.user_id)) return;
  sessionStorage.removeItem(PENDING_ACTION);
  if (Date.now() - saved.at > PENDING_FOR_MS || saved.path !== location.pathname) return;
  if (saved.follow) {
    const button = followButtons(saved.follow, saved.target)[0];
    if (button && button.getAttribute("aria-pressed") !== "true") toggleFollow(button);
  } else if (saved.remind) {
    const form = [...document.querySelectorAll("form[data-remind]")].find((f) => f.getAttribute("action") === saved.remind);
    if (form && form.elements.on.value === "1") submitRemind(form);
  }
}

rememberTimeZone();
try { resumeAfterLogin(); } catch { /* storage refused (a frame on another site): nothing is pending */ }
tickCountdowns();
setInterval(tickCountdowns, 1000);
