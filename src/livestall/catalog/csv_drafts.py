"""Reading a Shopify product CSV into product drafts, every bad cell reported by line, column and rule.

Nothing is written here: `csv_import` writes the drafts that have no problem, in the request's transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from livestall.catalog.csv_layout import (
    DEFAULT_OPTION_NAME, DEFAULT_OPTION_VALUE, HANDLE_PATTERN, MAX_AXES, MAX_VARIANTS, Problem, Row, Sheet,
    html_to_text, parse_bool, slug,
)
from livestall.catalog.csv_sources import ImageSources, SourceProblem
from livestall.catalog.images import MAX_IMAGES_PER_PRODUCT, CleanImage
from livestall.catalog.schemas import MAX_STOCK
from livestall.errors import Invalid
from livestall.money import MAX_AMOUNT_MINOR, parse_price

STATUSES = ("active", "draft", "archived")
MAX_TITLE, MAX_DESCRIPTION, MAX_CATEGORY, MAX_OPTION = 200, 5000, 64, 40


@dataclass
class VariantDraft:
    """One row's variant: its option values in axis order, SKU, stock and price."""

    line: int
    sku: str
    values: list[str]
    stock: int = 0
    price_minor: int = 0
    image_src: str = ""


@dataclass
class ImageDraft:
    """A photo the file names, with where it is named."""

    line: int
    column: str
    src: str
    position: int | None = None


@dataclass
class ProductDraft:
    """One handle's rows as a product to create or update."""

    handle: str
    line: int
    title: str = ""
    description: str = ""
    category: str = ""
    status: str = "active"
    axes: list[str] = field(default_factory=list)
    variants: list[VariantDraft] = field(default_factory=list)
    images: list[ImageDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    photos: dict[str, CleanImage] = field(default_factory=dict)  # src → the checked photo

    @property
    def sku(self) -> str:
        """The product's SKU: its handle, except that a product without options keeps its one row's Variant SKU."""
        return self.variants[0].sku if self.variants and not self.axes else self.handle

    def ordered_images(self) -> list[str]:
        """The photos' sources in Image Position order (unnumbered ones in file order), then variants' own."""
        ranked = sorted(enumerate(self.images), key=lambda p: (p[1].position is None, p[1].position or 0, p[0]))
        srcs = list(dict.fromkeys(image.src for _, image in ranked))
        for variant in self.variants:
            if variant.image_src and variant.image_src not in srcs:
                srcs.append(variant.image_src)
        return srcs


class _Reader:
    """Turns the rows of one handle into a draft, noting each problem."""

    def __init__(self, sheet: Sheet, draft: ProductDraft, currency: str) -> None:
        self.sheet, self.draft, self.currency = sheet, draft, currency

    def problem(self, row: Row, key: str, rule: str, message: str, column: str | None = None) -> None:
        self.draft.problems.append(Problem(row.line, column or self.sheet.column(key), rule, message,
                                           self.draft.handle))

    def product(self, row: Row) -> None:
        draft = self.draft
        draft.title = row["title"]
        if not draft.title:
            self.problem(row, "title", "required", "the first row of a product needs its title")
        elif len(draft.title) > MAX_TITLE:
            self.problem(row, "title", "max_length", f"must be at most {MAX_TITLE} characters")
        draft.description = html_to_text(row["body"])
        if len(draft.description) > MAX_DESCRIPTION:
            self.problem(row, "body", "max_length", f"must be at most {MAX_DESCRIPTION} characters of text")
        draft.category = row["type"] or row["product_category"].split(">")[-1].strip()
        if len(draft.category) > MAX_CATEGORY:
            self.problem(row, "type" if row["type"] else "product_category", "max_length",
                         f"must be at most {MAX_CATEGORY} characters")
        self._status(row)
        self._axes(row)

    def _status(self, row: Row) -> None:
        status, published = row["status"].lower(), row["published"]
        if status:
            if status not in STATUSES:
                self.problem(row, "status", "status", "must be active, draft or archived")
            self.draft.status = status
        elif published:
            shown = parse_bool(published)
            if shown is None:
                self.problem(row, "published", "boolean", "must be TRUE or FALSE")
            self.draft.status = "draft" if shown is False else "active"

    def _axes(self, row: Row) -> None:
        names = [row[f"option{n}_name"] for n in range(1, MAX_AXES + 1)]
        while names and not names[-1]:
            names.pop()
        for n, name in enumerate(names, 1):
            if not name:
                self.problem(row, f"option{n}_name", "option_name_required",
                             f"Option{n} Name must be filled when Option{n + 1} Name is")
            elif len(name) > MAX_OPTION:
                self.problem(row, f"option{n}_name", "max_length", f"must be at most {MAX_OPTION} characters")
            elif name.lower() in (other.lower() for other in names[:n - 1]):
                self.problem(row, f"option{n}_name", "unique_option_names", "two options have this name")
        if names == [DEFAULT_OPTION_NAME] and row["option1_value"] in ("", DEFAULT_OPTION_VALUE):
            names = []  # Shopify's way of saying "no options"
        self.draft.axes = names

    def is_variant(self, row: Row, first: bool) -> bool:
        """The first row of a product, and every row with variant cells, is a variant; the others add photos."""
        keys = ("sku", "qty", "price", "option1_value", "option2_value", "option3_value", "variant_image")
        return first or any(row[key] for key in keys)

    def variant(self, row: Row) -> None:
        draft = self.draft
        axes = draft.axes
        values = []
        for n in range(1, MAX_AXES + 1):
            name, value = row[f"option{n}_name"], row[f"option{n}_value"]
            if n > len(axes):
                if value and not (n == 1 and value == DEFAULT_OPTION_VALUE):
                    self.problem(row, f"option{n}_value", "option_name_required",
                                 f"a value needs an option name (Option{n} Name on the product's first row)")
                continue
            if name and name != axes[n - 1]:
                self.problem(row, f"option{n}_name", "option_name_match",
                             f"must be {axes[n - 1]!r}, as on line {draft.line}")
            if not value:
                self.problem(row, f"option{n}_value", "required", f"every variant needs a value for {axes[n - 1]}")
            elif len(value) > MAX_OPTION:
                self.problem(row, f"option{n}_value", "max_length", f"must be at most {MAX_OPTION} characters")
            values.append(value)
        if not axes and draft.variants:
            self.problem(row, "option1_name", "option_name_required",
                         f"several variants need their option's name in Option1 Name on line {draft.line}")
        sku = row["sku"] or (draft.handle if not axes else f"{draft.handle}-{len(draft.variants) + 1}"[:64])
        variant = VariantDraft(row.line, sku, values, image_src=row["variant_image"])
        if not HANDLE_PATTERN.match(sku):
            self.problem(row, "sku", "sku_format", "must be 1-64 letters, digits, dots, dashes or underscores")
        elif any(v.sku == sku for v in draft.variants):
            self.problem(row, "sku", "unique_sku", f"{sku} is already used by another variant of {draft.handle}")
        if axes and values in [v.values for v in draft.variants]:
            self.problem(row, "option1_value", "unique_options", "another variant has the same options")
        if len(draft.variants) == MAX_VARIANTS:
            self.problem(row, "sku", "max_variants", f"a product has at most {MAX_VARIANTS} variants")
        variant.stock = self._stock(row)
        variant.price_minor = self._price(row)
        draft.variants.append(variant)
        if variant.image_src:
            draft.images.append(ImageDraft(row.line, self.sheet.column("variant_image"), variant.image_src, None))

    def _stock(self, row: Row) -> int:
        text = row["qty"]
        if not text:
            return 0
        try:
            stock = int(text)
        except ValueError:
            self.problem(row, "qty", "integer", "must be a whole number")
            return 0
        if stock < 0:
            self.problem(row, "qty", "non_negative", "must not be negative")
        elif stock > MAX_STOCK:
            self.problem(row, "qty", "max_stock", f"must be at most {MAX_STOCK}")
        return max(stock, 0)

    def _price(self, row: Row) -> int:
        text = row["price"]
        if not text:
            self.problem(row, "price", "required", "every variant needs a price")
            return 0
        try:
            price = parse_price(text, self.currency, field="price")
        except Invalid as exc:
            self.problem(row, "price", exc.errors[0].rule, exc.errors[0].message)
            return 0
        if price < 0:
            self.problem(row, "price", "non_negative", "must not be negative")
        elif price > MAX_AMOUNT_MINOR:
            self.problem(row, "price", "max_amount", "is too large")
        return max(price, 0)

    def image(self, row: Row) -> None:
        if not row["image_src"]:
            if row["image_position"]:
                self.problem(row, "image_src", "required", "an Image Position needs an Image Src")
            return
        position = None
        if row["image_position"]:
            try:
                position = int(row["image_position"])
                if position < 1:
                    raise ValueError
            except ValueError:
                self.problem(row, "image_position", "integer", "must be a whole number from 1")
        self.draft.images.append(ImageDraft(row.line, self.sheet.column("image_src"), row["image_src"], position))


def read_drafts(sheet: Sheet, currency: str) -> tuple[list[ProductDraft], list[Problem]]:
    """The file's products, grouped by handle in the order they first appear, each with its problems; and the
    problems of rows that belong to no product."""
    drafts: dict[str, ProductDraft] = {}
    loose: list[Problem] = []
    for row in sheet.rows:
        handle = row["handle"] or slug(row["title"])
        if not handle:
            loose.append(Problem(row.line, sheet.column("handle"), "required",
                                 "every row needs a handle (or, on a product's first row, a title to make one)"))
            continue
        first = handle not in drafts
        draft = drafts.setdefault(handle, ProductDraft(handle=handle, line=row.line))
        reader = _Reader(sheet, draft, currency)
        if first:
            if not HANDLE_PATTERN.match(handle):
                reader.problem(row, "handle", "handle_format",
                               "must be 1-64 letters, digits, dots, dashes or underscores")
            reader.product(row)
        if reader.is_variant(row, first):
            reader.variant(row)
        reader.image(row)
    skus: dict[str, str] = {}
    for draft in drafts.values():
        if skus.setdefault(draft.sku, draft.handle) != draft.handle:
            draft.problems.append(Problem(draft.line, sheet.column("sku" if not draft.axes else "handle"),
                                          "unique_sku", f"{draft.sku} is also the SKU of {skus[draft.sku]}",
                                          draft.handle))
        if len(draft.ordered_images()) > MAX_IMAGES_PER_PRODUCT:
            too_many = draft.images[-1]
            draft.problems.append(Problem(too_many.line, too_many.column, "max_images",
                                          f"a product has at most {MAX_IMAGES_PER_PRODUCT} photos", draft.handle))
    return list(drafts.values()), loose


async def fetch_photos(drafts: list[ProductDraft], sources: ImageSources) -> None:
    """Fetch and check every photo the drafts name; a photo that fails is a problem of each row naming it."""
    async def one(draft: ProductDraft, image: ImageDraft) -> None:
        try:
            draft.photos[image.src] = await sources.get(image.src)
        except SourceProblem as exc:
            draft.problems.append(Problem(image.line, image.column, exc.rule, f"{image.src}: {exc.message}",
                                          draft.handle))

    await asyncio.gather(*(one(d, i) for d in drafts for i in d.images))
    for draft in drafts:
        draft.problems.sort(key=lambda p: p.line)
