// The chat and question lists of a room, for viewers and for the studio. Every text a user typed is put in
// with textContent, never as HTML.
import { t, formatNumber } from "./app.js";

const MAX_MESSAGES = 200;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, className = "small secondary") {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// options: { you, moderator, onUpvote(q), onAnswer(q), onDelete(m), onMute(m), onBan(m), onError(text) }
export function createChatView(root, options = {}) {
  const messages = root.querySelector("[data-messages]");
  const questions = root.closest("body").querySelector("[data-questions]");
  const questionCount = root.closest("body").querySelector("[data-question-count]");
  const questionsEmpty = root.closest("body").querySelector("[data-questions-empty]");
  const known = new Map(); // question id -> data
  let you = options.you || null;
  let moderator = Boolean(options.moderator);

  function stickToBottom(fn) {
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    fn();
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function addMessage(m) {
    if (messages.querySelector(`[data-id="${CSS.escape(m.id)}"]`)) return;
    const li = el("li");
    li.dataset.id = m.id;
    li.dataset.user = m.user.id;
    if (you && m.user.id === you.id) li.classList.add("mine");
    li.append(el("span", "who", m.user.name), el("span", "text", m.text));
    if (moderator && (!you || m.user.id !== you.id)) {
      const tools = el("span", "mod");
      tools.append(button(t("delete"), () => options.onDelete?.(m)), button(t("mute"), () => options.onMute?.(m)),
                   button(t("ban"), () => options.onBan?.(m)));
      li.append(tools);
    }
    stickToBottom(() => {
      messages.append(li);
      while (messages.children.length > MAX_MESSAGES) messages.firstElementChild.remove();
    });
  }

  function removeMessage(id) {
    messages.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
  }

  function renderQuestions() {
    if (!questions) return;
    const all = [...known.values()];
    const open = all.filter((q) => q.status === "open").sort((a, b) => b.votes - a.votes || a.id - b.id);
    // Answered questions stay below the open ones, latest answer first, so a viewer can read what was answered.
    const answered = all.filter((q) => q.status === "answered")
      .sort((a, b) => (b.answered_offset_s ?? 0) - (a.answered_offset_s ?? 0) || b.id - a.id);
    questions.replaceChildren(...open.concat(answered).map((q) => {
      const li = el("li");
      li.dataset.questionId = q.id;
      const body = el("div", "q-text");
      body.append(el("strong", "who", q.user.name), el("br"), el("span", "text", q.text));
      const votes = el("span", "votes", `▲ ${formatNumber(q.votes)}`);
      votes.setAttribute("aria-label", `${t("upvote")}: ${q.votes}`);
      li.append(votes, body);
      if (q.status === "answered") {
        li.classList.add("answered");
        li.dataset.answered = "";
        li.append(el("span", "badge answered-badge", t("answered")));
      } else if (options.onAnswer) li.append(button(t("mark_answered"), () => options.onAnswer(q), "small primary"));
      else if (options.onUpvote && (!you || q.user.id !== you.id)) li.append(button(t("upvote"), () => options.onUpvote(q)));
      return li;
    }));
    if (questionCount) questionCount.textContent = open.length ? formatNumber(open.length) : "";
    if (questionsEmpty) questionsEmpty.hidden = open.length > 0;
  }

  return {
    reset(snapshot) {
      you = snapshot.you || null;
      moderator = Boolean(you && you.moderator) || Boolean(options.moderator);
      messages.replaceChildren();
      for (const m of snapshot.messages || []) addMessage(m);
      known.clear();
      for (const q of snapshot.questions || []) known.set(q.id, q);
      renderQuestions();
      messages.scrollTop = messages.scrollHeight;
    },
    event(type, data) {
      if (type === "chat.message") addMessage(data);
      else if (type === "chat.deleted") removeMessage(data.id);
      else if (type === "question.asked" || type === "question.updated") {
        known.set(data.id, data);
        renderQuestions();
      } else return false;
      return true;
    },
    get you() { return you; },
  };
}
