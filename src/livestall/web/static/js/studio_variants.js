// The studio: each pinned product with variants shows its variants' stock under it ("M / Grey 4 · L / Red sold out"),
// kept live from the room's pin, sale and stock events (studio.js passes them on as "livestall:room"); the phone
// studio's shelf says the same of each pinned product compactly ("M/Grey 4 · L/Red 0").
import { formatNumber, pageData as data, t } from "./app.js";

const variants = new Map(); // product id -> [{id, label, stock}]

function remember(items) {
  variants.clear();
  for (const item of items || []) {
    if (item.variants?.length) variants.set(item.product_id, item.variants.map((v) => ({ id: v.id, label: v.label, stock: v.stock })));
  }
}

function draw() {
  for (const row of document.querySelectorAll("[data-pin-list] [data-product-id]")) {
    const list = variants.get(Number(row.dataset.productId));
    let line = row.querySelector("[data-variant-stock]");
    if (!list) {
      line?.remove();
      continue;
    }
    if (!line) {
      line = document.createElement("span");
      line.className = "meta variant-stock";
      line.dataset.variantStock = "";
      row.querySelector(".grow")?.append(document.createElement("br"), line);
    }
    line.textContent = list.map((v) => `${v.label} ${v.stock > 0 ? formatNumber(v.stock) : t("sold_out")}`).join(" · ");
  }
  drawPhone();
}

// The phone's shelf cards are small: labels without spaces and bare counts, a sold-out one greyed out.
function drawPhone() {
  for (const button of document.querySelectorAll("[data-ph-shelf] [data-ph-pin]")) {
    const list = variants.get(Number(button.dataset.phPin));
    let line = button.querySelector("[data-ph-variant-stock]");
    if (!list) {
      line?.remove();
      continue;
    }
    if (!line) {
      line = document.createElement("span");
      line.className = "ph-variant-stock";
      line.dataset.phVariantStock = "";
      button.querySelector(".ph-ptext")?.append(line);
    }
    line.replaceChildren(...list.flatMap((v, i) => {
      const one = document.createElement("span");
      one.className = v.stock > 0 ? "" : "gone";
      one.textContent = `${v.label.replace(/\s*\/\s*/g, "/")} ${formatNumber(Math.max(0, v.stock))}`;
      return i ? [" · ", one] : [one];
    }));
  }
}

document.addEventListener("livestall:room", ({ detail }) => {
  const { type, data: event } = detail;
  if (type === "pin.changed") remember(event.items);
  else if (type === "snapshot" && event?.shelf) remember(event.shelf); // joined again: the shelf as it is now
  else if ((type === "sale.made" || type === "stock.changed" || type === "product.sold_out") && event.variant_id
           && !event.flash_sale_id) {
    const variant = (variants.get(event.product_id) || []).find((v) => v.id === event.variant_id);
    if (!variant) return;
    variant.stock = type === "product.sold_out" ? 0 : event.units_left;
  } else return;
  draw();
});

remember(data.shelf);
draw();
