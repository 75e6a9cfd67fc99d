// Order buttons (buyer: pay, cancel, it arrived; shop: ship with its tracking form, cancel, refund) and photo
// removal, over the JSON API.
import { api, problemText, t } from "./app.js";
import { clearErrors, showErrors } from "./shipping.js";

const CONFIRM = { cancel: "confirm_cancel", refund: "confirm_refund" };

// The card as the order now is: its status, no more buttons, and how it travels once shipped.
function showOrder(item, order) {
  item.dataset.status = order.status;
  const label = item.querySelector("[data-status-label]");
  label.textContent = t(`status_${order.status}`);
  label.className = `status status-${order.status}`;
  for (const button of item.querySelectorAll("[data-order-action], [data-ship-open]")) button.remove();
  item.querySelector("[data-ship-form]")?.remove();
  const tracking = item.querySelector("[data-tracking]");
  if (tracking && order.tracking_number) {
    tracking.querySelector("[data-tracking-number]").textContent = order.tracking_number;
    tracking.querySelector("[data-carrier]").textContent = order.carrier ? ` · ${order.carrier}` : "";
    tracking.hidden = false;
  }
  item.querySelector("[data-order-error]").hidden = true;
}

function openShipForm(item, open) {
  const form = item.querySelector("[data-ship-form]");
  const button = item.querySelector("[data-ship-open]");
  form.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  if (open) form.elements.tracking_number.focus();
  else button.focus();
}

document.addEventListener("click", async (e) => {
  const ship = e.target.closest("[data-ship-open], [data-ship-close]");
  if (ship) {
    const item = ship.closest("[data-order-id]");
    openShipForm(item, ship.hasAttribute("data-ship-open") && item.querySelector("[data-ship-form]").hidden);
    return;
  }
  const action = e.target.closest("[data-order-action]");
  if (action) {
    const item = action.closest("[data-order-id]");
    const kind = action.dataset.orderAction;
    const error = item.querySelector("[data-order-error]");
    const body = kind === "pay" ? { provider: "wallet" } : undefined;
    if (CONFIRM[kind] && !confirm(t(CONFIRM[kind]))) return;
    action.disabled = true;
    const res = await api("POST", `/api/v1/orders/${item.dataset.orderId}/${kind}`, body);
    action.disabled = false;
    if (!res.ok) {
      error.textContent = problemText(res.data);
      error.hidden = false;
      return;
    }
    showOrder(item, res.data);
    return;
  }
  const image = e.target.closest("[data-delete-image]");
  if (image) {
    const res = await api("DELETE", `/api/v1/products/${image.dataset.product}/images/${image.dataset.deleteImage}`);
    if (res.ok) image.closest("li").remove();
  }
});

// The tracking form: the order is shipped with its tracking number (and carrier), or each error shows by its field.
document.addEventListener("submit", async (e) => {
  const form = e.target.closest("[data-ship-form]");
  if (!form) return;
  e.preventDefault();
  const item = form.closest("[data-order-id]");
  const error = item.querySelector("[data-order-error]");
  clearErrors(form);
  error.hidden = true;
  const body = { tracking_number: form.elements.tracking_number.value.trim(), carrier: form.elements.carrier.value.trim() };
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  const res = await api("POST", `/api/v1/orders/${item.dataset.orderId}/ship`, body);
  submit.disabled = false;
  if (!res.ok) {
    showErrors(form, res.data, error);
    return;
  }
  showOrder(item, res.data);
});
