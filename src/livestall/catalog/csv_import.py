"""Importing a Shopify product CSV (alone, or in a ZIP with its photos) into a shop, in one transaction.

Everything is checked first. A file with any problem imports nothing, unless the seller asks for the good
products only (`partial`): then exactly the products without a problem are written. A product is matched by its
handle, which is its SKU in Livestall (for a product without options, also by its row's Variant SKU, which
becomes its SKU): the same handle again updates that product.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.csv_drafts import ProductDraft, fetch_photos, read_drafts
from livestall.catalog.csv_layout import MAX_CSV_BYTES, Problem, decode, read_sheet
from livestall.catalog.csv_sources import ImageSources, Limits
from livestall.catalog.images import CleanImage
from livestall.catalog.models import Product, ProductImage, ProductVariant, Shop
from livestall.errors import FieldProblem, Invalid, TooLarge


class ImportRejected(Invalid):
    """A file with problems, none of it imported: each problem with its line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file: nothing was imported",
                         [FieldProblem(f"line {p.line}: {p.column}", p.rule, p.message) for p in problems])
        self.rows = problems

    def problem(self, instance: str | None = None) -> dict:
        body = super().problem(instance)
        body["errors"] = [p.as_dict() for p in self.rows]
        return body


@dataclass
class ImportReport:
    """What an import did: the products created and updated, and those skipped for their problems."""

    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)  # photos replaced: delete once committed

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped,
                "problems": [p.as_dict() for p in self.problems]}


def open_upload(data: bytes, filename: str) -> tuple[bytes, zipfile.ZipFile | None]:
    """The CSV's bytes, and the archive when the upload is a ZIP of the CSV and its photos."""
    if not data:
        raise Invalid.field("file", "not_empty", "is empty")
    if not (data[:4] == b"PK\x03\x04" or filename.lower().endswith(".zip")):
        if len(data) > MAX_CSV_BYTES:
            raise TooLarge.field("file", "max_size", f"a CSV file must be at most {MAX_CSV_BYTES} bytes")
        return data, None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheets = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")
                  and not i.filename.startswith("__MACOSX/") and not i.is_dir()]
    except zipfile.BadZipFile:
        raise Invalid.field("file", "zip_format", "is not a readable ZIP archive") from None
    if len(sheets) != 1:
        raise Invalid.field("file", "one_csv", "the ZIP archive must hold exactly one .csv file")
    if sheets[0].file_size > MAX_CSV_BYTES:
        raise TooLarge.field("file", "max_size", f"a CSV file must be at most {MAX_CSV_BYTES} bytes")
    with archive.open(sheets[0]) as member:
        return member.read(MAX_CSV_BYTES + 1), archive


async def check_file(*, data: bytes, filename: str, currency: str, limits: Limits) -> list[ProductDraft]:
    """The file's products with their problems and checked photos; ImportRejected for a file unreadable as a whole."""
    text_bytes, archive = open_upload(data, filename)
    try:
        text = decode(text_bytes)
    except UnicodeDecodeError as exc:
        line = text_bytes[:exc.start].count(b"\n") + 1
        raise ImportRejected([Problem(line, "file", "utf8", "the file must be saved as UTF-8 text")]) from None
    sheet = read_sheet(text)
    drafts, loose = read_drafts(sheet, currency)
    if sheet.problems or loose:  # a broken header or nameless rows: the rest cannot be trusted
        raise ImportRejected(sorted(sheet.problems + loose + [p for d in drafts for p in d.problems],
                                    key=lambda p: p.line))
    await fetch_photos(drafts, ImageSources(limits, archive))
    return drafts


async def do_import(*, session: AsyncSession, shop: Shop, data: bytes, filename: str, partial: bool,
                    limits: Limits) -> ImportReport:
    """Check the whole file, then write its products (all of them, or with `partial` the good ones)."""
    drafts = await check_file(data=data, filename=filename, currency=shop.currency, limits=limits)
    if not drafts:
        raise Invalid.field("file", "has_products", "the file holds no product rows")
    problems = sorted((p for d in drafts for p in d.problems), key=lambda p: p.line)
    good = [d for d in drafts if not d.problems]
    if problems and (not partial or not good):
        raise ImportRejected(problems)
    report = ImportReport(problems=problems, skipped=[d.handle for d in drafts if d.problems])
    wanted = {sku for d in good for sku in (d.handle, d.sku)}
    existing = {p.sku: p for p in await session.scalars(
        select(Product).where(Product.shop_id == shop.id, Product.sku.in_(wanted)))}
    for draft in good:
        # The handle names the product by its SKU; a product without options also by its one row's SKU.
        product = existing.get(draft.handle) or existing.get(draft.sku)
        created = product is None
        if created:
            product = Product(shop_id=shop.id, sku=draft.sku, currency=shop.currency, options=[], images=[],
                              variants=[])
            session.add(product)
        await _write(session, product, draft, limits.upload_dir, report)
        (report.created if created else report.updated).append(
            {"id": product.id, "handle": draft.handle, "title": product.title, "variants": len(product.variants),
             "stock": product.stock})
    return report


async def _write(session: AsyncSession, product: Product, draft: ProductDraft, upload_dir: Path,
                 report: ImportReport) -> None:
    """Make `product` what the draft says: fields, photos (when the file names any), variants and stock."""
    product.sku, product.title, product.description = draft.sku, draft.title, draft.description
    product.category = draft.category
    product.status, product.option_axes = draft.status, list(draft.axes)
    product.price_minor = draft.variants[0].price_minor
    if draft.images:
        _replace_images(product, draft, upload_dir, report)
    await session.flush()  # the photos' ids, for the variants that point at one
    by_src = dict(zip(draft.ordered_images(), product.images)) if draft.images else {}
    if not draft.axes:  # a product without options sells its own stock
        product.variants.clear()
        product.stock = draft.variants[0].stock
    else:
        old = {v.sku: v for v in product.variants}
        kept = []
        for position, item in enumerate(draft.variants):
            variant = old.pop(item.sku, None) or ProductVariant(sku=item.sku)
            variant.option1, variant.option2, variant.option3 = (item.values + [None, None, None])[:3]
            variant.stock, variant.position = item.stock, position
            variant.price_minor = item.price_minor if item.price_minor != product.price_minor else None
            photo = by_src.get(item.image_src)
            variant.image_id = photo.id if photo is not None else None
            kept.append(variant)
        product.variants[:] = kept  # the variants the file no longer names are deleted (orders keep their rows)
        product.stock = sum(v.stock for v in kept)
    await session.flush()


def _replace_images(product: Product, draft: ProductDraft, upload_dir: Path, report: ImportReport) -> None:
    """The product's photos become the file's, in its order; a photo it already has (by its URL) is kept."""
    current = {image.url: image for image in product.images}
    wanted = []
    for src in draft.ordered_images():
        same = next((image for url, image in current.items() if src.endswith(url)), None)
        if same is not None:
            current.pop(same.url)
            wanted.append(same)
        else:
            wanted.append(_stored(draft.photos[src], upload_dir))
    report.removed_files.extend(image.path for image in current.values())
    # Ids follow the list's order (the relationship is ordered by id), so new photos are added after the kept.
    product.images[:] = wanted


def _stored(photo: CleanImage, upload_dir: Path) -> ProductImage:
    relative = f"products/{uuid.uuid4().hex}.{photo.ext}"
    target = upload_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(photo.data)
    return ProductImage(path=relative, content_type=photo.content_type, size_bytes=len(photo.data),
                        width=photo.width, height=photo.height)
