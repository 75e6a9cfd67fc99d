// The address book page: add, edit, delete and make default, over /api/v1/me/addresses.
import { api, goLogin, t } from "./app.js";
import { clearErrors, showErrors } from "./shipping.js";

const FIELDS = ["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"];
const form = document.querySelector("[data-address-book-form]");
const formError = form.querySelector("[data-address-form-error]");
const cancel = form.querySelector("[data-cancel-edit]");
let items = [];
try { items = JSON.parse(document.getElementById("addresses-data").textContent).items; } catch { /* none */ }
let editing = null; // the id of the address in the form, or null for a new one

function startEdit(address) {
  editing = address ? address.id : null;
  for (const name of FIELDS) form.elements[name].value = address ? address[name] || "" : "";
  form.elements.make_default.checked = Boolean(address?.is_default);
  form.elements.make_default.disabled = Boolean(address?.is_default);
  form.querySelector("[data-add-title]").hidden = Boolean(address);
  form.querySelector("[data-edit-title]").hidden = !address;
  cancel.hidden = !address;
  clearErrors(form);
  formError.hidden = true;
  if (address) {
    form.scrollIntoView({ block: "start" });
    form.elements.name.focus();
  }
}

function reload() {
  location.replace(location.pathname);
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = Object.fromEntries(FIELDS.map((name) => [name, form.elements[name].value.trim()]));
  body.make_default = form.elements.make_default.checked;
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  const res = editing === null
    ? await api("POST", "/api/v1/me/addresses", body)
    : await api("PUT", `/api/v1/me/addresses/${editing}`, body);
  submit.disabled = false;
  if (res.status === 401) return goLogin();
  if (!res.ok) return showErrors(form, res.data, formError);
  reload();
});

cancel.addEventListener("click", () => startEdit(null));

document.querySelector("[data-addresses]").addEventListener("click", async (e) => {
  const button = e.target.closest("[data-address-action]");
  if (!button) return;
  const card = button.closest("[data-address-id]");
  const id = Number(card.dataset.addressId);
  const action = button.dataset.addressAction;
  if (action === "edit") return startEdit(items.find((a) => a.id === id));
  if (action === "delete" && !confirm(t("confirm_delete_address"))) return;
  button.disabled = true;
  const res = action === "delete"
    ? await api("DELETE", `/api/v1/me/addresses/${id}`)
    : await api("POST", `/api/v1/me/addresses/${id}/default`);
  button.disabled = false;
  if (res.status === 401) return goLogin();
  if (!res.ok) {
    const error = card.querySelector("[data-address-card-error]");
    showErrors(form, res.data, error);
    return;
  }
  reload();
});
