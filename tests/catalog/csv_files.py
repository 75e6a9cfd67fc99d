"""What the catalogue import tests share: an app that may fetch photos from this machine, a local photo server,
Shopify-style files, and the shop's products as the database holds them."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image
from sqlalchemy import text

from livestall.db import make_engine

HEADER = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
          "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
          "Variant SKU", "Variant Inventory Qty", "Variant Price", "Image Src", "Image Position", "Variant Image",
          "Status"]


def photo(path: Path, colour: str, size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> Path:
    """A small real photo written to `path`."""
    Image.new("RGB", size, colour).save(path, fmt)
    return path


class PhotoServer:
    """A plain HTTP server for a folder, on a free port of this machine, in a thread."""

    def __init__(self, folder: Path) -> None:
        handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "PhotoServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def sheet(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    """A CSV file as a spreadsheet saves it: UTF-8 with a byte order mark, CRLF line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def archive(csv_bytes: bytes, files: dict[str, bytes]) -> bytes:
    """A ZIP of the CSV and photos."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("products.csv", csv_bytes)
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def two_products(photos: str) -> list[dict[str, str]]:
    """A scarf in 2 colours × 2 sizes with 2 photos (one a variant's), and a mug without options: Shopify's layout.

    `photos` is what Image Src cells start with: a URL, or "" for files of a ZIP."""
    scarf = {"Handle": "wool-scarf", "Option1 Name": "Size", "Option2 Name": "Colour"}
    return [
        {**scarf, "Title": "Hand-knitted wool scarf", "Body (HTML)": "<p>Soft merino.</p><p>Made in Gansu.</p>",
         "Vendor": "Tianshui Wool", "Type": "clothes", "Published": "TRUE", "Option1 Value": "S",
         "Option2 Value": "Grey", "Variant SKU": "SCARF-S-GREY", "Variant Inventory Qty": "4",
         "Variant Price": "128.50", "Image Src": f"{photos}scarf-grey.jpg", "Image Position": "1",
         "Status": "active"},
        {"Handle": "wool-scarf", "Option1 Value": "M", "Option2 Value": "Grey", "Variant SKU": "SCARF-M-GREY",
         "Variant Inventory Qty": "6", "Variant Price": "128.50", "Image Src": f"{photos}scarf-red.png",
         "Image Position": "2"},
        {"Handle": "wool-scarf", "Option1 Value": "S", "Option2 Value": "Red", "Variant SKU": "SCARF-S-RED",
         "Variant Inventory Qty": "0", "Variant Price": "138.00", "Variant Image": f"{photos}scarf-red.png"},
        {"Handle": "wool-scarf", "Option1 Value": "M", "Option2 Value": "Red", "Variant SKU": "SCARF-M-RED",
         "Variant Inventory Qty": "2", "Variant Price": "138.00"},
        {"Handle": "clay-mug", "Title": "Clay mug", "Body (HTML)": "Fired twice.", "Type": "home",
         "Published": "FALSE", "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": "MUG",
         "Variant Inventory Qty": "12", "Variant Price": "45", "Image Src": f"{photos}mug.jpg"},
    ]


def shop_catalogue(database_url: str, shop_id: int) -> dict[str, dict]:
    """The shop's products by SKU as stored: fields, axes, variants (in order) and photos."""
    async def run() -> dict[str, dict]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                products = (await conn.execute(text(
                    "SELECT id, sku, title, description, category, status, price_minor, currency, stock, option_axes "
                    "FROM products WHERE shop_id = :s ORDER BY id"), {"s": shop_id})).mappings().all()
                found = {}
                for p in products:
                    variants = (await conn.execute(text(
                        "SELECT v.sku, v.option1, v.option2, v.option3, v.stock, v.price_minor, v.image_id, "
                        "i.width, i.height FROM product_variants v LEFT JOIN product_images i ON i.id = v.image_id "
                        "WHERE v.product_id = :p ORDER BY v.position, v.id"), {"p": p["id"]})).mappings().all()
                    images = (await conn.execute(text(
                        "SELECT id, path, width, height FROM product_images WHERE product_id = :p ORDER BY id"),
                        {"p": p["id"]})).mappings().all()
                    axes = p["option_axes"]  # JSON: a list through PostgreSQL's driver, text through SQLite's
                    found[p["sku"]] = {**p, "option_axes": axes if isinstance(axes, list) else json.loads(axes or "[]"),
                                       "variants": [dict(v) for v in variants], "images": [dict(i) for i in images]}
                return found
        finally:
            await engine.dispose()

    return asyncio.run(run())
