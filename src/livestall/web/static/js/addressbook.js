// The buyer's address book (/api/v1/me/addresses) as the buy sheets use it: the default address to prefill,
// and a typed address kept in the book before it is used.
import { api } from "./app.js";

export const ADDRESS_FIELDS = ["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"];
// An address typed before address books existed, kept by this browser: moved into the book once, then forgotten.
const KEPT_BY_BROWSER = "livestall.shipping";

let book = []; // the book as last read or added to

// The book's addresses as last read.
export function addresses() {
  return book;
}

// An address with exactly the fields an order's `shipping` takes.
export function shippingOf(address) {
  return Object.fromEntries(ADDRESS_FIELDS.map((name) => [name, address[name] || ""]));
}

// A typed address saved to the book (the default if it is the first), unless the book has it already:
// {ok: true, address} or the API's refusal ({ok: false, status, data}).
export async function saveAddress(address) {
  const typed = shippingOf({ ...address, country: (address.country || "").toUpperCase() });
  const same = book.find((a) => ADDRESS_FIELDS.every((name) => (a[name] || "") === typed[name]));
  if (same) return { ok: true, address: shippingOf(same) };
  const res = await api("POST", "/api/v1/me/addresses", typed);
  if (!res.ok) return res;
  book.push(res.data);
  return { ok: true, address: shippingOf(res.data) };
}

// The buyer's default address, or null (not logged in, or nothing in the book).
export async function defaultAddress() {
  const res = await api("GET", "/api/v1/me/addresses");
  if (!res.ok) return null;
  book = res.data.items;
  const chosen = book.find((a) => a.is_default) || book[0];
  if (chosen) return shippingOf(chosen);
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(KEPT_BY_BROWSER) || "null");
  } catch { /* unreadable: nothing to move */ }
  if (!kept) return null;
  localStorage.removeItem(KEPT_BY_BROWSER);
  const saved = await saveAddress(kept);
  return saved.ok ? saved.address : null;
}
