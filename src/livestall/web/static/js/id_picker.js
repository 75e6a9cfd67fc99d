// Pickers for the operator's festival forms: a search box above a field of shop or product numbers
// (input[data-pick="shops"|"products"], with data-pick-many for a list). A tap on what was found puts its
// number in the field, and the chosen ones show by name. Without scripts the field of numbers works alone.
import { api, t } from "./app.js";

const SEARCH_DELAY_MS = 250;

// What each kind searches and how a result reads.
const KINDS = {
  shops: { url: (q) => `/api/v1/shops?q=${encodeURIComponent(q)}&per_page=8`, search: "shop_search",
           label: (shop) => `${shop.name} · ${shop.city} ${shop.country}`, name: (shop) => shop.name },
  products: { url: (q) => `/api/v1/products?q=${encodeURIComponent(q)}&per_page=8`, search: "product_search",
              label: (product) => product.title, name: (product) => product.title },
};

function numbersIn(input) {
  return input.value.split(/[\s,]+/).filter((part) => /^\d+$/.test(part)).map(Number);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function enhance(input) {
  const kind = KINDS[input.dataset.pick];
  if (!kind) return;
  const many = "pickMany" in input.dataset;
  const names = new Map(); // number -> name, as found
  const search = Object.assign(element("input"), { type: "search", placeholder: t(kind.search), autocomplete: "off" });
  search.setAttribute("aria-label", t(kind.search));
  search.dataset.pickSearch = "";
  const found = element("ul", "pick-found");
  found.dataset.pickFound = "";
  const chosen = element("ul", "pick-chosen");
  chosen.dataset.pickChosen = "";
  const box = element("div", "id-picker");
  box.append(search, found, chosen);
  input.closest(".field").before(box);

  function drawChosen() {
    chosen.replaceChildren(...numbersIn(input).map((id) => {
      const name = names.get(id);
      const li = element("li", "chip", name ? `${name} #${id}` : `#${id}`);
      const remove = Object.assign(element("button", "", "×"), { type: "button" });
      remove.setAttribute("aria-label", t("pick_remove", { name: name || `#${id}` }));
      remove.addEventListener("click", () => {
        input.value = numbersIn(input).filter((other) => other !== id).join(", ");
        drawChosen();
      });
      li.append(remove);
      return li;
    }));
  }

  function pick(item) {
    names.set(item.id, kind.name(item));
    const ids = numbersIn(input);
    if (!many) input.value = String(item.id);
    else if (!ids.includes(item.id)) input.value = [...ids, item.id].join(", ");
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
      const res = await api("GET", kind.url(q));
      if (!res.ok || search.value.trim() !== q) return;
      if (!res.data.items.length) return found.replaceChildren(element("li", "meta", t("pick_none")));
      found.replaceChildren(...res.data.items.map((item) => {
        const li = element("li");
        const button = Object.assign(element("button", "secondary", `${kind.label(item)} #${item.id}`), { type: "button" });
        button.addEventListener("click", () => pick(item));
        li.append(button);
        return li;
      }));
    }, SEARCH_DELAY_MS);
  });
  // Enter in the search box picks the first found instead of sending the form.
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    found.querySelector("button")?.click();
  });
  input.addEventListener("change", drawChosen);
  drawChosen();
}

for (const input of document.querySelectorAll("input[data-pick]")) enhance(input);
