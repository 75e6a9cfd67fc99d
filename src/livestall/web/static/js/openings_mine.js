// "My openings": the buyer chooses where what was inside goes (shipped, or set into jewellery).
import { api, problemText } from "./app.js";

for (const form of document.querySelectorAll("[data-fulfilment]")) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    const choice = e.submitter?.value || "ship";
    const res = await api("POST", `/api/v1/me/openings/${form.dataset.fulfilment}/fulfilment`, { choice, shipping: fields });
    if (res.ok) { location.reload(); return; }
    const error = form.querySelector("[data-fulfilment-error]");
    error.textContent = problemText(res.data);
    error.hidden = false;
  });
}
