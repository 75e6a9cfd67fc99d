// Shipping forms' field errors (the address book, the show's address sheet, the shop's tracking form):
// each error beside its field, in the page's language.
import { problemText, t } from "./app.js";

// Patterns whose rule alone says too little: the field tells what to type instead.
const PATTERN = { postal_code: "ship_postal_code", phone: "ship_phone", tracking_number: "ship_tracking" };

// The text of one field error ({field, rule, message}) of the API.
export function fieldErrorText(error) {
  const name = String(error.field || "").split(".").pop();
  const { rule } = error;
  if (rule === "string_pattern_mismatch" && PATTERN[name]) return t(PATTERN[name]);
  if (rule === "string_too_short" && PATTERN[name] && name !== "phone") return t(PATTERN[name]);
  if (rule === "missing" || rule === "string_too_short") return t("ship_required");
  if (rule === "string_too_long") return t("ship_too_long");
  if (rule === "iso_country") return t("ship_country");
  return problemText({ errors: [error] });
}

// Clear the form's field errors.
export function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-field-error]")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const general = form.querySelector("[data-form-error]");
  if (general) general.hidden = true;
}

// Show a problem response's errors: each by its field (`[data-field-error=NAME]`), else in `general` with the
// field's label; the first bad field gets the focus.
export function showErrors(form, problem, general) {
  clearErrors(form);
  const errors = Array.isArray(problem?.errors) ? problem.errors : [];
  const loose = [];
  let first = null;
  for (const error of errors) {
    const name = String(error.field || "").split(".").pop();
    const input = form.elements[name];
    const text = fieldErrorText(error);
    const node = form.querySelector(`[data-field-error="${CSS.escape(name)}"]`);
    if (input && input.setAttribute) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    if (node) {
      node.textContent = text;
      node.hidden = false;
    } else {
      const label = input?.labels?.[0]?.textContent.trim();
      loose.push(label ? `${label}: ${text}` : text);
    }
  }
  if (!errors.length) loose.push(problemText(problem));
  if (general) {
    general.textContent = loose.join(" ");
    general.hidden = !loose.length;
  }
  first?.focus();
}
