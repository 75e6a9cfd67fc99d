// The clips of a shop or a product (templates/video/_clips.html), best first, from GET /api/v1/clips.
import { api, formatNumber, t } from "./app.js";

for (const section of document.querySelectorAll("[data-clip-strip]")) {
  const query = section.dataset.productId ? `product_id=${section.dataset.productId}` : `shop_id=${section.dataset.shopId}`;
  api("GET", `/api/v1/clips?${query}`).then((res) => {
    if (!res.ok || !res.data.items.length) return;
    const list = section.querySelector("[data-clip-items]");
    list.replaceChildren(...res.data.items.map((clip) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = clip.page_url;
      const img = document.createElement("img");
      img.src = clip.thumbnail_url;
      img.alt = "";
      img.loading = "lazy";
      const caption = document.createElement("p");
      caption.className = "meta";
      caption.textContent = t("clip_length", { seconds: Math.round(clip.duration_s) });
      link.append(img, caption);
      li.append(link);
      return li;
    }));
    section.hidden = false;
  });
}

// The seller's figures (templates/video/_clip_figures.html): every clip of the shop, its views and orders.
for (const section of document.querySelectorAll("[data-clip-figures]")) {
  api("GET", `/api/v1/shops/${section.dataset.clipFigures}/clips`).then((res) => {
    if (!res.ok || !res.data.items.length) return;
    const cell = (text) => {
      const td = document.createElement("td");
      td.textContent = text;
      return td;
    };
    section.querySelector("[data-clip-figure-rows]").replaceChildren(...res.data.items.map((clip) => {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      const link = document.createElement("a");
      link.href = clip.page_url;
      link.textContent = clip.product_title;
      name.append(link, ` · ${t("clip_length", { seconds: Math.round(clip.duration_s) })}`);
      if (clip.hidden) name.append(` · ${t("clip_hidden")}`);
      tr.append(name, cell(formatNumber(clip.views)), cell(formatNumber(clip.orders)));
      return tr;
    }));
    section.hidden = false;
  });
}
