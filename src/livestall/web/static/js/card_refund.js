// Where a card refund is (templates/shipping/_card_refund.html): "refund pending" until Stripe confirms that the card
// was credited, then "refunded to the card"; for the buyer in My orders and for the shop on its order cards.
import { api, t } from "./app.js";

const TEXT = { pending: "card_refund_pending", refunded: "card_refunded", failed: "card_refund_failed" };

for (const node of document.querySelectorAll("[data-card-refund]:not([data-card-refund-read])")) {
  node.dataset.cardRefundRead = "";
  api("GET", `/api/v1/orders/${node.dataset.cardRefund}/card-refund`).then((res) => {
    const key = res.ok && TEXT[res.data.state];
    if (!key) return;
    node.textContent = t(key);
    node.dataset.state = res.data.state;
    node.hidden = false;
  });
}
