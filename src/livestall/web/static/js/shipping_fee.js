// The buy sheet's shipping line (templates/watch/_shipping_fee.html): after each drawing of the sheet
// ("livestall:buy-sheet" from phone.js) it asks the server what shipping this purchase adds to the buyer's parcel
// from the show's shop, given what the parcel holds already, and says it before the tap.
import { api, formatMoney, problemText, t } from "./app.js";

const line = document.querySelector("[data-buy-shipping]");
const note = document.querySelector("[data-buy-shipping-note]");
const pageData = JSON.parse(document.getElementById("page-data")?.textContent || "{}");
let asked = 0;
let shown = ""; // the question the line answers now

function say(fee, text = "", refused = false) {
  line.hidden = fee === null;
  line.dataset.state = refused ? "refused" : "quoted";
  line.querySelector("[data-buy-shipping-fee]").textContent = fee ?? "";
  note.hidden = !text;
  note.textContent = text;
  note.dataset.state = refused ? "refused" : "quoted";
}

async function quote({ item, quantity, address }) {
  if (!item || !pageData.show_id) return;
  const country = address?.country || "";
  const key = `${item.product_id}|${quantity}|${country}`;
  if (key === shown) return;
  shown = key;
  const mine = ++asked;
  const params = new URLSearchParams({ product_id: item.product_id, quantity });
  if (country) params.set("country", country);
  const res = await api("GET", `/api/v1/shows/${pageData.show_id}/shipping-quote?${params}`);
  if (mine !== asked) return;
  if (!res.ok) {
    if (res.status === 422 && res.data?.errors?.[0]?.rule === "shipped_to_country") {
      say(t("ship_fee_none"), problemText(res.data), true);
    } else {
      say(null); // no address yet, or the quote could not be read: the sheet says what is missing
    }
    return;
  }
  const q = res.data;
  if (!q.configured) return say(null);
  const amount = q.fee.amount_minor;
  let text = "";
  if (q.fee_paid) text = t("ship_fee_in_parcel");
  else if (q.free_over && amount > 0) text = t("ship_fee_free_over", { amount: formatMoney(q.free_over.amount_minor, q.free_over.currency) });
  say(amount ? formatMoney(amount, q.fee.currency) : t("ship_fee_free"), text);
}

if (line) {
  document.addEventListener("livestall:buy-sheet", ({ detail }) => quote(detail));
  // Each opening of the sheet asks again: a purchase since may have paid the parcel's shipping.
  document.addEventListener("livestall:buy", () => { shown = ""; });
}
