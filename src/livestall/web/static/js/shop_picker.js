// A shop picker for the operator's festival forms: a search box over GET /api/v1/shops?q= above a field of shop
// numbers (input[data-shop-picker]); a tap on a shop found adds its number, and the chosen shops show by name.
// Without scripts the field of numbers works on its own.
import { api, t } from "./app.js";

const SEARCH_DELAY_MS = 250;

function numbersIn(input) {
  return input.value.split(/[\s,]+/).filter((part) => /^\d+$/.test(part)).map(Number);
}

function enhance(input) {
  const names = new Map(); // shop number -> name, as found
  const box = document.createElement("div");
  box.className = "shop-picker";
  const search = Object.assign(document.createElement("input"), {
    type: "search", placeholder: t("shop_search"), autocomplete: "off",
  });
  search.setAttribute("aria-label", t("shop_search"));
  search.dataset.shopSearch = "";
  const found = document.createElement("ul");
  found.className = "shop-found";
  found.dataset.shopFound = "";
  const chosen = document.createElement("ul");
  chosen.className = "shop-chosen";
  chosen.dataset.shopChosen = "";
  box.append(search, found, chosen);
  input.closest(".field").before(box);

  function drawChosen() {
    chosen.replaceChildren(...numbersIn(input).map((id) => {
      const li = document.createElement("li");
      li.className = "chip";
      li.textContent = names.has(id) ? `${names.get(id)} #${id}` : `#${id}`;
      const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "×" });
      remove.setAttribute("aria-label", t("shop_remove", { name: names.get(id) || `#${id}` }));
      remove.addEventListener("click", () => {
        input.value = numbersIn(input).filter((other) => other !== id).join(", ");
        drawChosen();
      });
      li.append(remove);
      return li;
    }));
  }

  function add(shop) {
    names.set(shop.id, shop.name);
    const ids = numbersIn(input);
    if (!ids.includes(shop.id)) input.value = [...ids, shop.id].join(", ");
    search.value = "";
    found.replaceChildren();
    drawChosen();
  }

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    const q = search.value.trim();
    if (!q) return found.replaceChildren();
    timer = setTimeout(async () => {
      const res = await api("GET", `/api/v1/shops?q=${encodeURIComponent(q)}&per_page=8`);
      if (!res.ok || search.value.trim() !== q) return;
      if (!res.data.items.length) {
        const none = Object.assign(document.createElement("li"), { className: "meta", textContent: t("shop_none") });
        return found.replaceChildren(none);
      }
      found.replaceChildren(...res.data.items.map((shop) => {
        const li = document.createElement("li");
        const pick = Object.assign(document.createElement("button"), { type: "button", className: "secondary" });
        pick.textContent = `${shop.name} · ${shop.city} ${shop.country} #${shop.id}`;
        pick.addEventListener("click", () => add(shop));
        li.append(pick);
        return li;
      }));
    }, SEARCH_DELAY_MS);
  });
  // Typing Enter in the search box picks the first shop found instead of sending the form.
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    found.querySelector("button")?.click();
  });
  input.addEventListener("change", drawChosen);
  drawChosen();
}

for (const input of document.querySelectorAll("input[data-shop-picker]")) enhance(input);
