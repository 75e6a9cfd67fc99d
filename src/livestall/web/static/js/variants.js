// Picking a variant of a product: one row of chips per option axis (Size, Colour...), a value greyed out when no
// variant with it and the values already picked has units left. Used by the show's shelf and phone buy sheet
// (shelf.js) and by the buy sheet of the shop and product pages (buy_sheet.js).
// drawVariantPicker(box, {axes, variants, picked, unitsOf, onPick}) draws into `box`; variantFor(variants, picked)
// is the variant the picked values name (or null while an axis has none).
import { t } from "./app.js";

// The distinct values of axis `index`, in the order the variants list them.
export function axisValues(variants, index) {
  return [...new Set(variants.map((v) => v.values[index]).filter((v) => v !== undefined))];
}

export function variantFor(variants, picked) {
  if (!variants?.length || picked.length < variants[0].values.length || picked.some((v) => v == null)) return null;
  return variants.find((v) => v.values.every((value, i) => value === picked[i])) || null;
}

// Whether some variant with `value` on axis `index` and the other picked values still has units.
function available(variants, picked, index, value, unitsOf) {
  return variants.some((v) => v.values[index] === value && unitsOf(v) > 0
    && v.values.every((other, i) => i === index || picked[i] == null || other === picked[i]));
}

// The first values with units left on each axis: a sensible pick to start from (null where nothing is left).
export function firstAvailable(variants, unitsOf) {
  const open = variants.find((v) => unitsOf(v) > 0);
  return open ? [...open.values] : variants[0] ? variants[0].values.map(() => null) : [];
}

export function drawVariantPicker(box, { axes, variants, picked, unitsOf, onPick, name = "variant" }) {
  box.hidden = !variants?.length;
  if (box.hidden) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(...axes.map((axis, index) => {
    const group = document.createElement("fieldset");
    group.className = "variant-axis";
    const legend = document.createElement("legend");
    legend.textContent = picked[index] != null ? `${axis}: ${picked[index]}` : axis;
    const chips = document.createElement("div");
    chips.className = "chips";
    chips.setAttribute("role", "radiogroup");
    chips.setAttribute("aria-label", axis);
    chips.append(...axisValues(variants, index).map((value) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip variant-chip";
      chip.setAttribute("role", "radio");
      chip.setAttribute("aria-checked", String(picked[index] === value));
      chip.dataset.axis = String(index);
      chip.dataset.value = value;
      chip.dataset.picker = name;
      const gone = !available(variants, picked, index, value, unitsOf);
      chip.classList.toggle("gone", gone);
      // Still tappable: picking a gone value shows the combination as sold out rather than doing nothing.
      chip.setAttribute("aria-label", gone ? `${value} (${t("sold_out")})` : value);
      chip.textContent = value;
      chip.addEventListener("click", () => {
        const next = [...picked];
        next[index] = value;
        onPick(next);
      });
      return chip;
    }));
    group.append(legend, chips);
    return group;
  }));
}
