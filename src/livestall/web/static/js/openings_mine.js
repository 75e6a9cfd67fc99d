// "My openings": the buyer chooses where what was inside goes (shipped, or set into jewellery). The address
// is asked once per lot: the first choice of a lot sends it, later ones leave it out and the server reuses it.
import { api, problemText } from "./app.js";

const FIELDS = ["name", "line1", "city", "postal_code", "country"];

// The address typed in `scope` ({} when none of its fields is filled).
function typed(scope) {
  const address = {};
  for (const name of FIELDS) {
    const input = scope?.querySelector(`input[name="${name}"]`);
    if (input && input.value.trim()) address[name] = input.value.trim();
  }
  return address;
}

for (const form of document.querySelectorAll("[data-fulfilment]")) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const choice = e.submitter?.value || "ship";
    const error = form.querySelector("[data-fulfilment-error]");
    // This form's own fields (the first ask, or "another address"), else the lot's form elsewhere on the page.
    let scope = form;
    if (form.querySelector("[data-address-elsewhere]")) {
      scope = document.querySelector(`[data-address-for="${form.dataset.lot}"]`);
      const missing = scope && [...scope.querySelectorAll("input[required]")].find((input) => !input.checkValidity());
      if (missing) { missing.reportValidity(); missing.focus(); return; }
    }
    const address = typed(scope);
    const body = { choice };
    const variant = form.querySelector("[data-addon-variant]");  // the setting's size or colour, when it has them
    if (choice === "jewellery" && variant?.value) body.addon_variant_id = Number(variant.value);
    if (Object.keys(address).length) body.shipping = address;
    const res = await api("POST", `/api/v1/me/openings/${form.dataset.fulfilment}/fulfilment`, body);
    if (res.ok) { location.reload(); return; }
    error.textContent = problemText(res.data);
    error.hidden = false;
  });
}
