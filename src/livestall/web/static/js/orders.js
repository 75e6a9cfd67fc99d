// Order buttons (buyer: pay, cancel, it arrived; shop: ship, cancel, refund) and photo removal, over the JSON API.
import { api, problemText, t } from "./app.js";

const CONFIRM = { cancel: "confirm_cancel", refund: "confirm_refund" };

document.addEventListener("click", async (e) => {
  const action = e.target.closest("[data-order-action]");
  if (action) {
    const item = action.closest("[data-order-id]");
    const kind = action.dataset.orderAction;
    const error = item.querySelector("[data-order-error]");
    let body = kind === "pay" ? { provider: "wallet" } : undefined;
    if (kind === "ship") {
      const tracking = prompt(t("tracking_prompt"));
      if (!tracking) return;
      body = { tracking_number: tracking.trim() };
    }
    if (CONFIRM[kind] && !confirm(t(CONFIRM[kind]))) return;
    action.disabled = true;
    const res = await api("POST", `/api/v1/orders/${item.dataset.orderId}/${kind}`, body);
    action.disabled = false;
    if (!res.ok) {
      error.textContent = problemText(res.data);
      error.hidden = false;
      return;
    }
    const order = res.data;
    item.dataset.status = order.status;
    const label = item.querySelector("[data-status-label]");
    label.textContent = t(`status_${order.status}`);
    label.className = `status status-${order.status}`;
    for (const button of item.querySelectorAll("[data-order-action]")) button.remove();
    error.hidden = true;
    return;
  }
  const image = e.target.closest("[data-delete-image]");
  if (image) {
    const res = await api("DELETE", `/api/v1/products/${image.dataset.product}/images/${image.dataset.deleteImage}`);
    if (res.ok) image.closest("li").remove();
  }
});
