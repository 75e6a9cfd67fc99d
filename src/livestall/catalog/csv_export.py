"""Exporting a shop's products as a Shopify product CSV: importable into Shopify and back into Livestall."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.csv_layout import (
    DEFAULT_OPTION_NAME, DEFAULT_OPTION_VALUE, MAX_AXES, text_to_html, write_csv,
)
from livestall.catalog.models import Product, Shop
from livestall.money import Money


def _price(amount_minor: int, currency: str) -> str:
    """A price as Shopify writes it: major units with a dot, no currency, e.g. "12.50"."""
    return f"{Money(amount_minor, currency).decimal:f}"


def _fixed() -> dict[str, str]:
    """The cells Livestall has no field for, filled as Shopify expects them."""
    return {"Variant Grams": "0", "Variant Inventory Tracker": "shopify", "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual", "Variant Requires Shipping": "TRUE", "Variant Taxable": "TRUE",
            "Variant Weight Unit": "kg"}


def product_rows(product: Product, shop: Shop, public_url: str) -> list[dict[str, str]]:
    """A product's rows: one per variant (the first with the product's fields), then one per further photo."""
    base = public_url.rstrip("/")
    photos = [f"{base}{image.url}" for image in product.images]
    first = {"Title": product.title, "Body (HTML)": text_to_html(product.description), "Vendor": shop.name,
             "Type": product.category, "Tags": "", "Published": "TRUE" if product.status == "active" else "FALSE",
             "Gift Card": "FALSE", "Status": product.status}
    rows: list[dict[str, str]] = []
    if product.variants:
        axes = list(product.option_axes or [])[:MAX_AXES]
        for n, name in enumerate(axes, 1):
            first[f"Option{n} Name"] = name
        for variant in product.variants:
            row = {**_fixed(), "Variant SKU": variant.sku, "Variant Inventory Qty": str(variant.stock),
                   "Variant Price": _price(variant.price_minor if variant.price_minor is not None
                                           else product.price_minor, product.currency)}
            for n, value in enumerate(variant.values[:len(axes)], 1):
                row[f"Option{n} Value"] = value
            photo = next((i for i in product.images if i.id == variant.image_id), None)
            if photo is not None:
                row["Variant Image"] = f"{base}{photo.url}"
            rows.append(row)
    else:
        rows.append({**_fixed(), "Option1 Name": DEFAULT_OPTION_NAME, "Option1 Value": DEFAULT_OPTION_VALUE,
                     "Variant SKU": product.sku, "Variant Inventory Qty": str(product.stock),
                     "Variant Price": _price(product.price_minor, product.currency)})
    rows[0].update(first)
    for position, src in enumerate(photos, 1):
        if position > len(rows):
            rows.append({})
        rows[position - 1].update({"Image Src": src, "Image Position": str(position)})
    for row in rows:
        row["Handle"] = product.sku
    return rows


async def export_csv(*, session: AsyncSession, shop: Shop, public_url: str) -> str:
    """Every product of the shop (any status), oldest first, as a Shopify product CSV."""
    products = await session.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id))
    return write_csv([row for product in products for row in product_rows(product, shop, public_url)])
