"""Moving a catalogue: the shop's page to download its products as a Shopify CSV and to import one (or a ZIP of
it and its photos), with the report of what was imported or of every problem by line and column."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from livestall.catalog import service as catalog
from livestall.catalog.csv_import import ImportRejected
from livestall.catalog.csv_routes import read_upload, run_import
from livestall.db import SessionDep
from livestall.errors import DomainError, Invalid
from livestall.web.i18n import N_
from livestall.web.messages import error_message
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# What each rule of the import means, for the seller (the server's English message is shown beside it).
RULES = {
    "required": N_("Fill this in."),
    "required_column": N_("The file needs this column."),
    "money_format": N_("Not a price: write it like 12.50."),
    "non_negative": N_("Must not be negative."),
    "integer": N_("Must be a whole number."),
    "max_stock": N_("Too many units."),
    "max_amount": N_("Too high a price."),
    "max_length": N_("Too long."),
    "max_axes": N_("A product has at most 3 options."),
    "option_name_required": N_("A value needs the option's name (Option Name on the product's first row)."),
    "option_name_match": N_("The option's name differs from the product's first row."),
    "unique_option_names": N_("Two options have the same name."),
    "unique_options": N_("Another variant has the same options."),
    "unique_sku": N_("This SKU is used twice."),
    "sku_format": N_("Use 1 to 64 letters, digits, dots, dashes or underscores."),
    "handle_format": N_("Use 1 to 64 letters, digits, dots, dashes or underscores."),
    "max_variants": N_("A product has at most 100 variants."),
    "max_images": N_("A product has at most 12 photos."),
    "status": N_("Must be active, draft or archived."),
    "boolean": N_("Must be TRUE or FALSE."),
    "image_found": N_("Photo not found."),
    "image_type": N_("Not a JPEG, PNG, WebP or GIF photo."),
    "max_size": N_("Too large."),
    "max_pixels": N_("The photo has too many pixels."),
    "image_reachable": N_("The photo's server cannot be reached."),
    "image_url": N_("Give an http(s):// address, or the name of a photo in the ZIP."),
    "public_address": N_("The photo's address is on a private network."),
    "utf8": N_("Save the file as UTF-8 text."),
    "max_rows": N_("Too many rows for one file."),
    "not_empty": N_("The file is empty."),
    "zip_format": N_("Not a readable ZIP archive."),
    "one_csv": N_("The ZIP archive must hold exactly one .csv file."),
    "has_products": N_("The file holds no products."),
    "concurrent_change": N_("The shop's products changed meanwhile: try again."),
}


async def _member_shop(session, shop_id: int, page: Page):
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    catalog.check_shop_member(shop, require_user(page))
    return shop


# Rules whose sentence says it all; the others keep the server's detail (a photo's address, a length, a line).
SAID_IN_FULL = {"money_format", "non_negative", "integer", "boolean", "status", "utf8", "sku_format", "handle_format"}


def _said(page: Page, rule: str, message: str) -> str:
    """A rule in the page's language, else the server's English message."""
    template = RULES.get(rule)
    return page.gettext(template) if template else message


def _problem_rows(page: Page, problems: list[dict]) -> list[dict]:
    """Each problem with its rule said in the page's language."""
    return [{**p, "said": _said(page, p["rule"], p["message"]),
             "detail": "" if p["rule"] in SAID_IN_FULL else p["message"]} for p in problems]


@router.get("/manage/shops/{shop_id}/catalog")
async def catalog_page(shop_id: int, page: PageDep, session: SessionDep):
    """Download the products as a CSV, or import a CSV or ZIP."""
    shop = await _member_shop(session, shop_id, page)
    return render(page, "manage/catalog_io.html", {"shop": shop, "report": None, "partial": False})


@router.post("/manage/shops/{shop_id}/catalog")
async def import_page(shop_id: int, page: PageDep, form: FormDep, session: SessionDep, tasks: BackgroundTasks):
    """Import the posted file; the page again with what was imported, or every problem (and nothing imported)."""
    shop = await _member_shop(session, shop_id, page)
    partial = form.get("partial") == "on"
    uploads = form.files("file")
    report: dict = {"created": [], "updated": [], "skipped": [], "problems": [], "rejected": False, "file_error": ""}
    status = 200
    try:
        if not uploads:
            raise Invalid.field("file", "required", "choose a CSV or ZIP file")
        data = await read_upload(uploads[0])
        done = await run_import(session=session, shop=shop, data=data, filename=uploads[0].filename or "",
                                partial=partial, settings=page.settings, tasks=tasks)
        report.update(done.as_dict())
    except ImportRejected as exc:
        report.update(rejected=True, problems=[p.as_dict() for p in exc.rows])
        status = 422
    except DomainError as exc:
        problem = exc.errors[0] if exc.errors else None
        said = (_said(page, problem.rule, error_message(page, problem)) if problem else exc.detail)
        report.update(rejected=True, file_error=said)
        status = exc.status if exc.status in (409, 413, 422) else 422
    report["problems"] = _problem_rows(page, report["problems"])
    return render(page, "manage/catalog_io.html", {"shop": shop, "report": report, "partial": partial},
                  status=status)
