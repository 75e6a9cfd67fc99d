// The studio's simulcast panel (templates/studio/_restream.html): the places the show is also sent to, each with its
// state while live (connecting, live, failing with ffmpeg's last word, key masked), pause, resume and remove, and a
// form to add one. GET /api/v1/shows/{id}/restreams is the record; it is read again every few seconds.
import { api, pageData as data, problemText, t } from "./app.js";

const panel = document.querySelector("[data-restream-panel]");
const list = panel.querySelector("[data-restream-list]");
const empty = panel.querySelector("[data-restream-empty]");
const form = panel.querySelector("[data-restream-form]");
const preset = form.querySelector("[data-restream-preset]");
const server = form.querySelector("[data-restream-server]");
const key = form.querySelector("[data-restream-key]");
const label = form.querySelector("[data-restream-label]");
const error = form.querySelector("[data-restream-error]");
const url = `/api/v1/shows/${data.show_id}/restreams`;
const EVERY_MS = 3000;
let servers = {}; // preset -> its server URL ("" when the user pastes it)
let timer = null;

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
}

// A refusal in the page's language, by the field and rule the server names.
function refusal(problem) {
  const first = problem && Array.isArray(problem.errors) ? problem.errors[0] : null;
  const known = first && t(`restream_${first.field}_${first.rule}`);
  return first && known !== `restream_${first.field}_${first.rule}` ? known : problemText(problem);
}

function stateText(item) {
  return t(`restream_state_${item.state}`);
}

function button(text, onClick, className = "small secondary") {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function row(item) {
  const li = document.createElement("li");
  li.dataset.targetId = item.id;
  li.dataset.state = item.state;
  const name = document.createElement("span");
  name.className = "restream-name";
  name.textContent = item.label;
  const badge = document.createElement("span");
  badge.className = "badge restream-state";
  badge.dataset.state = item.state;
  badge.textContent = stateText(item);
  const where = document.createElement("p");
  where.className = "meta";
  where.textContent = `${item.server_url} · ${item.key_hint}`;
  li.append(name, badge, where);
  if (item.state === "failing" && item.reason) {
    const reason = document.createElement("p");
    reason.className = "restream-reason";
    reason.dataset.reason = "";
    reason.textContent = item.reason;
    li.append(reason);
  }
  const actions = document.createElement("div");
  actions.className = "row";
  actions.append(
    button(item.enabled ? t("restream_pause") : t("restream_resume"), () => change(item, { enabled: !item.enabled })),
    button(t("restream_remove"), () => remove(item), "small danger"),
  );
  li.append(actions);
  return li;
}

function render(items) {
  list.replaceChildren(...items.map(row));
  empty.hidden = items.length > 0;
}

async function load() {
  clearTimeout(timer);
  const res = await api("GET", url);
  if (res.ok) {
    servers = Object.fromEntries(res.data.presets.map((p) => [p.preset, p.server_url]));
    render(res.data.items);
    if (!server.value) fillServer();
  }
  if (!document.hidden) timer = setTimeout(load, EVERY_MS);
}

async function change(item, body) {
  const res = await api("PATCH", `${url}/${item.id}`, body);
  if (!res.ok) showError(refusal(res.data));
  else setTimeout(load, 400); // the relays start or stop just after the answer
}

async function remove(item) {
  if (!window.confirm(t("restream_confirm_remove", { name: item.label }))) return;
  const res = await api("DELETE", `${url}/${item.id}`);
  if (!res.ok) showError(refusal(res.data));
  load();
}

let filled = "";
function fillServer() {
  // The preset's known server, unless the user typed their own.
  if (server.value && server.value !== filled) return;
  filled = servers[preset.value] || "";
  server.value = filled;
}

preset.addEventListener("change", fillServer);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  if (!/^rtmps?:\/\/\S+$/i.test(server.value.trim())) {
    showError(t("restream_server_url_scheme"));
    server.focus();
    return;
  }
  if (!key.value.trim()) {
    showError(t("restream_stream_key_required"));
    key.focus();
    return;
  }
  const body = { preset: preset.value, server_url: server.value.trim(), stream_key: key.value.trim(),
    label: label.value.trim() };
  const res = await api("POST", url, body);
  if (!res.ok) {
    showError(refusal(res.data));
    return;
  }
  key.value = "";
  label.value = "";
  load();
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) load();
});

load();
