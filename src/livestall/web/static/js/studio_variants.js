// The studio: each pinned product with variants shows its variants' stock under it ("M / Grey 4 · L / Red sold out"),
// kept live from the room's pin, sale and stock events (studio.js passes them on as "livestall:room").
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
