// The shop's import page: says which file was picked, shows that the import is under way (a big file with photos
// by URL takes a while), and has the report read out once the page comes back with it.
import { t } from "./app.js";

const form = document.querySelector("[data-import-form]");
const input = form?.querySelector('input[type="file"]');
const chosen = form?.querySelector("[data-file-chosen]");

input?.addEventListener("change", () => {
  const file = input.files?.[0];
  chosen.textContent = file ? t("catalog_io_chosen", { name: file.name, size: Math.max(1, Math.round(file.size / 1024)) }) : "";
});

form?.addEventListener("submit", () => {
  if (!input.files?.length) return;
  const button = form.querySelector("[data-import-button]");
  const note = form.querySelector("[data-importing]");
  // Disabled after the browser has taken the form: a second tap would import the file twice.
  setTimeout(() => { button.disabled = true; }, 0);
  form.setAttribute("aria-busy", "true");
  note.textContent = t("catalog_io_importing");
  note.hidden = false;
});

// The report sits under the title, in view on load: focused so that a screen reader reads it out first.
document.querySelector("[data-import-report]")?.focus({ preventScroll: true });
