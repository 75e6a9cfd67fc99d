"""HTTP routes for moving a catalogue: export a shop's products as a Shopify CSV, and import one (or a ZIP)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from livestall.accounts.deps import CurrentUser
from livestall.catalog import service
from livestall.catalog.csv_export import export_csv
from livestall.catalog.csv_import import ImportReport, do_import
from livestall.catalog.csv_layout import MAX_ARCHIVE_BYTES
from livestall.catalog.csv_sources import Limits
from livestall.db import SessionDep
from livestall.errors import Conflict, TooLarge
from livestall.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def import_limits(settings: Settings) -> Limits:
    """How far an import goes for each photo, from the settings."""
    return Limits(max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels,
                  timeout_s=settings.import_image_timeout_s, allow_private=settings.import_images_allow_private,
                  public_url=settings.public_url, upload_dir=settings.upload_dir)


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file, refused past the size of the largest archive."""
    data = await file.read(MAX_ARCHIVE_BYTES + 1)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise TooLarge.field("file", "max_size", f"must be at most {MAX_ARCHIVE_BYTES} bytes")
    return data


async def run_import(*, session, shop, data: bytes, filename: str, partial: bool, settings: Settings,
                     tasks: BackgroundTasks) -> ImportReport:
    """Import within a savepoint, so that a refused file leaves the transaction clean; replaced photos are
    deleted from the disk after the response (that is, after the commit)."""
    try:
        async with session.begin_nested():
            report = await do_import(session=session, shop=shop, data=data, filename=filename, partial=partial,
                                     limits=import_limits(settings))
    except IntegrityError:  # another import or edit took one of these SKUs at the same moment
        raise Conflict.field("file", "concurrent_change",
                             "the shop's products changed during the import: try again") from None
    tasks.add_task(remove_files, settings.upload_dir, report.removed_files)
    return report


def remove_files(upload_dir: Path, paths: list[str]) -> None:
    """Delete photos that an import replaced."""
    for path in paths:
        (upload_dir / path).unlink(missing_ok=True)


@router.get("/shops/{shop_id}/products.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "Shopify's product CSV layout"}})
async def export_products(shop_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """Owners and staff: every product of the shop with its variants, stock and photos, as a Shopify CSV."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user)
    text = await export_csv(session=session, shop=shop, public_url=request.app.state.settings.public_url)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="shop-{shop.id}-products.csv"'})


@router.post("/shops/{shop_id}/products/import")
async def import_products(
    shop_id: int, request: Request, user: CurrentUser, session: SessionDep, tasks: BackgroundTasks,
    file: Annotated[UploadFile, File(description="A Shopify product CSV, or a ZIP of it and its photos")],
    partial: Annotated[bool, Query(description="Import the products without problems, skip the others")] = False,
):
    """Owners and staff: create or update products from a Shopify CSV. Any problem imports nothing (unless
    `partial`), and each is reported with its line, column and rule."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user)
    data = await read_upload(file)
    report = await run_import(session=session, shop=shop, data=data, filename=file.filename or "",
                              partial=partial, settings=request.app.state.settings, tasks=tasks)
    return report.as_dict()
