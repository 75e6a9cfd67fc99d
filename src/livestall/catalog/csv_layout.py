"""Shopify's product CSV layout: the columns, their other spellings, and the cells as Livestall reads and writes them.

One row per variant; the following rows of a product repeat its Handle with an empty Title, and rows that carry
only an Image Src add photos. A product without options is one row with Option1 Name "Title" and Option1 Value
"Default Title". A product's handle is its SKU in Livestall (the model has no other slug).
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass

# The columns Livestall writes, in Shopify's export order; Shopify and Livestall both import this layout.
COLUMNS = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit", "Variant Tax Code", "Cost per item",
    "Status",
)
# The cells Livestall reads, by key, with every header that names them (compared without case): Shopify's
# classic names first, then those of its newer export.
READ = {
    "handle": ("Handle", "URL handle"),
    "title": ("Title",),
    "body": ("Body (HTML)", "Description"),
    "product_category": ("Product Category",),
    "type": ("Type",),
    "published": ("Published", "Published on online store"),
    "option1_name": ("Option1 Name",), "option1_value": ("Option1 Value",),
    "option2_name": ("Option2 Name",), "option2_value": ("Option2 Value",),
    "option3_name": ("Option3 Name",), "option3_value": ("Option3 Value",),
    "sku": ("Variant SKU", "SKU"),
    "qty": ("Variant Inventory Qty", "Inventory quantity"),
    "price": ("Variant Price", "Price"),
    "image_src": ("Image Src", "Product image URL"),
    "image_position": ("Image Position",),
    "variant_image": ("Variant Image", "Variant image URL"),
    "status": ("Status",),
}
MAX_AXES = 3
DEFAULT_OPTION_NAME, DEFAULT_OPTION_VALUE = "Title", "Default Title"
MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024  # a ZIP of the CSV and its photos
MAX_ROWS = 10_000
MAX_VARIANTS = 100  # per product
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")  # a handle becomes the product's SKU
_EXTRA_AXIS = re.compile(r"^option\s*([4-9]|\d{2,})\s*(name|value)$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (line of the file, column header), which rule, and what to do."""

    line: int
    column: str
    rule: str
    message: str
    handle: str = ""

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "field": f"line {self.line}: {self.column}",
                "rule": self.rule, "message": self.message, "handle": self.handle}


@dataclass(frozen=True)
class Row:
    """One record of the file: the line it starts on and its cells by key ("" when absent)."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class Sheet:
    """The file read: its rows, the header each key was read from, and what is wrong with the header."""

    rows: list[Row]
    headers: dict[str, str]
    problems: list[Problem]

    def column(self, key: str) -> str:
        """The header the file names `key` with (Livestall's spelling when the file has no such column)."""
        return self.headers.get(key) or READ[key][0]


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without the byte order mark spreadsheets write."""
    return data.decode("utf-8-sig")


def read_sheet(text: str) -> Sheet:
    """Rows keyed by READ's keys, each with the line it starts on; header problems named on line 1."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return Sheet([], {}, [Problem(1, "Title", "required_column", "the file is empty: it needs a header row")])
    by_name = {name.lower(): key for key, names in READ.items() for name in names}
    headers: dict[str, str] = {}
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(header):
        clean = name.strip()
        key = by_name.get(clean.lower())
        if key is not None and key not in index:
            index[key], headers[key] = i, clean
        elif _EXTRA_AXIS.match(clean):
            problems.append(Problem(1, clean, "max_axes", f"a product has at most {MAX_AXES} options"))
    if "title" not in index:
        problems.append(Problem(1, "Title", "required_column", "the header must have a Title column"))
    rows: list[Row] = []
    start = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append(Row(start, {key: (record[i].strip() if i < len(record) else "") for key, i in index.items()}))
        start = reader.line_num + 1
        if len(rows) > MAX_ROWS:
            problems.append(Problem(start, "Handle", "max_rows", f"a file has at most {MAX_ROWS} rows"))
            break
    return Sheet(rows, headers, problems)


def slug(title: str) -> str:
    """A handle made from a title, as Shopify makes one: lower case letters and digits joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-")


_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def html_to_text(body: str) -> str:
    """A product description from Shopify's HTML: the text, a line per paragraph or line break."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", body)))
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def text_to_html(text: str) -> str:
    """A description as HTML for the Body (HTML) column: escaped, a paragraph per line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())


def parse_bool(text: str) -> bool | None:
    """TRUE/FALSE as Shopify writes them (and yes/no, 1/0); None when it is neither."""
    value = text.strip().lower()
    return True if value in ("true", "yes", "1") else False if value in ("false", "no", "0") else None


def write_csv(rows: list[dict[str, str]]) -> str:
    """The rows under the COLUMNS header, as a spreadsheet reads them (CRLF line ends, quoted where needed)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
