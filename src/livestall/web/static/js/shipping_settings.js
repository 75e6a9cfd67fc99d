// The shop's shipping fees: "Add a zone" adds an empty zone row (the page always offers one without scripts),
// and the rest of the world's fee is only asked while the shop ships there.
const form = document.querySelector("[data-shipping-form]");
if (form) {
  const zones = form.querySelector("[data-zones]");
  const add = form.querySelector("[data-add-zone]");
  add.hidden = false;
  add.addEventListener("click", () => {
    const rows = zones.querySelectorAll("[data-zone]");
    const row = rows[rows.length - 1].cloneNode(true);
    const index = rows.length;
    row.querySelectorAll(".error").forEach((el) => el.remove());
    row.querySelectorAll(".field").forEach((el) => el.classList.remove("invalid"));
    row.querySelectorAll("input").forEach((input) => {
      const id = `f-zone_${input.dataset.zoneField}_${index}`;
      input.closest(".field").querySelector("label").htmlFor = id;
      input.id = id;
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    zones.append(row);
    row.querySelector("input").focus();
  });
  const restFee = form.querySelector("[name=rest_fee]").closest(".field");
  const sync = () => { restFee.hidden = form.querySelector("[data-rest=no]").checked; };
  form.querySelectorAll("[name=rest]").forEach((radio) => radio.addEventListener("change", sync));
  sync();
  // Sent back with errors: to the first field to fix (the summary at the top says there is one).
  form.querySelector("[aria-invalid=true]")?.focus();
}
