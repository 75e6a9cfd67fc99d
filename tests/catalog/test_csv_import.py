"""Moving a catalogue in and out: Shopify product CSVs with variants, stock and photos (by URL from a local HTTP
server, or in a ZIP), every problem reported by line, column and rule with nothing imported, the good products
alone when asked, re-imports updating by handle, and the export imported into another shop and exported again
giving the same file."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.appserver import AppProcess
from tests.catalog.csv_files import PhotoServer, archive, photo, shop_catalogue, sheet, two_products
from tests.helpers import make_shop, register
from tests.notifications.support import own_database

MAX_UPLOAD = 64 * 1024


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A folder of photos (and things that are not), served over HTTP on this machine."""
    folder = tmp_path_factory.mktemp("photos")
    photo(folder / "scarf-grey.jpg", "grey")
    photo(folder / "scarf-red.png", "red", (40, 40), "PNG")
    photo(folder / "mug.jpg", "brown", (30, 60))
    (folder / "notes.jpg").write_text("not a photo at all")
    (folder / "huge.jpg").write_bytes(os.urandom(MAX_UPLOAD + 10))
    with PhotoServer(folder) as server:
        server.folder = folder
        yield server


@pytest.fixture(scope="module")
def app(request, tmp_path_factory):
    """An app that may fetch photos from loopback addresses (as a development setup may), with a small upload cap."""
    url = own_database(request, tmp_path_factory, "csv")
    server = AppProcess(database_url=url, data_dir=Path(tmp_path_factory.mktemp("csv-data")), env={
        "LIVESTALL_IMPORT_IMAGES_ALLOW_PRIVATE": "true", "LIVESTALL_MAX_UPLOAD_BYTES": str(MAX_UPLOAD)}).start()
    yield server
    server.stop()


@pytest.fixture()
def api(app):
    with httpx.Client(base_url=app.url, timeout=60) as client:
        yield client


@pytest.fixture()
def seller(api):
    owner = register(api, roles=["seller"])
    return {"owner": owner, "shop": make_shop(api, owner)}


def upload(api, seller, data: bytes, name: str = "products.csv", **params) -> httpx.Response:
    return api.post(f"/api/v1/shops/{seller['shop']['id']}/products/import", headers=seller["owner"].headers,
                    files={"file": (name, data)}, params=params)


def test_a_shopify_file_with_photos_by_url_gives_products_variants_stock_and_photos(api, app, seller, photos):
    response = upload(api, seller, sheet(two_products(f"{photos.url}/")))
    assert response.status_code == 200, response.text
    assert sorted(p["handle"] for p in response.json()["created"]) == ["clay-mug", "wool-scarf"]
    found = shop_catalogue(app.database_url, seller["shop"]["id"])
    scarf, mug = found["wool-scarf"], found["MUG"]  # a product without options keeps its SKU
    assert scarf["title"] == "Hand-knitted wool scarf" and scarf["description"] == "Soft merino.\nMade in Gansu."
    assert scarf["option_axes"] == ["Size", "Colour"] and scarf["status"] == "active"
    assert [(v["sku"], v["option1"], v["option2"], v["stock"]) for v in scarf["variants"]] == [
        ("SCARF-S-GREY", "S", "Grey", 4), ("SCARF-M-GREY", "M", "Grey", 6), ("SCARF-S-RED", "S", "Red", 0),
        ("SCARF-M-RED", "M", "Red", 2)]
    assert scarf["stock"] == 12  # the sum of its variants'
    # Prices in fen: the product's is the first variant's, and a variant priced otherwise keeps its own.
    assert scarf["price_minor"] == 12850 and [v["price_minor"] for v in scarf["variants"]] == [None, None, 13800, 13800]
    assert [(i["width"], i["height"]) for i in scarf["images"]] == [(64, 48), (40, 40)]
    assert scarf["variants"][2]["image_id"] == scarf["images"][1]["id"]  # the red photo
    assert (mug["variants"], mug["stock"], mug["price_minor"], mug["status"]) == ([], 12, 4500, "draft")
    assert [(i["width"], i["height"]) for i in mug["images"]] == [(30, 60)]
    stored = Path(app.data_dir) / "uploads" / scarf["images"][0]["path"]
    assert stored.is_file()


def test_the_same_file_in_a_zip_with_its_photos(api, app, seller, photos):
    files = {name: (photos.folder / name).read_bytes() for name in ("scarf-grey.jpg", "scarf-red.png", "mug.jpg")}
    zipped = archive(sheet(two_products("images/")), {f"images/{k}": v for k, v in files.items()})
    response = upload(api, seller, zipped, name="catalogue.zip")
    assert response.status_code == 200, response.text
    found = shop_catalogue(app.database_url, seller["shop"]["id"])
    assert len(found["wool-scarf"]["variants"]) == 4 and len(found["wool-scarf"]["images"]) == 2
    assert [(i["width"], i["height"]) for i in found["MUG"]["images"]] == [(30, 60)]


def test_every_bad_row_is_reported_by_line_column_and_rule_and_nothing_is_imported(api, app, seller, photos):
    rows = two_products(f"{photos.url}/")
    rows[1]["Variant Price"] = "twelve"  # line 3
    rows[2]["Variant Inventory Qty"] = "-1"  # line 4
    rows[3]["Variant SKU"] = "SCARF-S-GREY"  # line 5: the SKU of line 2
    rows[4]["Image Src"] = f"{photos.url}/notes.jpg"  # line 6: not a photo
    rows.append({"Handle": "tote", "Title": "Tote", "Option1 Value": "Blue", "Variant Price": "10",
                 "Image Src": f"{photos.url}/huge.jpg"})  # line 7: a value without a name, a photo too large
    rows.append({"Handle": "cap", "Title": "Cap", "Variant Price": "5", "Image Src": f"{photos.url}/gone.jpg"})
    response = upload(api, seller, sheet(rows))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert "nothing was imported" in problem["detail"]
    found = {(e["line"], e["column"], e["rule"]) for e in problem["errors"]}
    assert found == {
        (3, "Variant Price", "money_format"), (4, "Variant Inventory Qty", "non_negative"),
        (5, "Variant SKU", "unique_sku"), (6, "Image Src", "image_type"), (7, "Option1 Value", "option_name_required"),
        (7, "Image Src", "max_size"), (8, "Image Src", "image_found")}, problem["errors"]
    assert all(e["message"] for e in problem["errors"])
    assert shop_catalogue(app.database_url, seller["shop"]["id"]) == {}


def test_header_problems_and_unreadable_files(api, seller):
    too_many = upload(api, seller, b"Handle,Title,Option4 Name,Option4 Value\r\nhat,Hat,Band,Red\r\n")
    assert too_many.status_code == 422
    assert {(e["line"], e["column"], e["rule"]) for e in too_many.json()["errors"]} >= {(1, "Option4 Name", "max_axes")}
    no_title = upload(api, seller, b"Handle,Variant Price\r\nhat,5\r\n")
    first = no_title.json()["errors"][0]
    assert (first["line"], first["column"], first["rule"]) == (1, "Title", "required_column")
    latin1 = upload(api, seller, "Handle,Title,Variant Price\r\nhat,Café,5\r\n".encode("latin-1"))
    assert latin1.status_code == 422 and latin1.json()["errors"][0]["rule"] == "utf8"
    empty = upload(api, seller, b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    two_csvs = upload(api, seller, archive(b"Title\r\nA\r\n", {"more.csv": b"Title\r\nB\r\n"}), name="x.zip")
    assert two_csvs.status_code == 422 and two_csvs.json()["errors"][0]["rule"] == "one_csv"


def test_partial_import_writes_exactly_the_good_products(api, app, seller, photos):
    rows = two_products(f"{photos.url}/")
    rows[3]["Variant Price"] = "-5"  # the scarf's line 5
    response = upload(api, seller, sheet(rows), partial="true")
    assert response.status_code == 200, response.text
    report = response.json()
    assert [p["handle"] for p in report["created"]] == ["clay-mug"] and report["skipped"] == ["wool-scarf"]
    assert [(e["line"], e["column"], e["rule"]) for e in report["problems"]] == [(5, "Variant Price", "non_negative")]
    assert list(shop_catalogue(app.database_url, seller["shop"]["id"])) == ["MUG"]


def test_reimporting_a_handle_updates_the_product(api, app, seller, photos):
    assert upload(api, seller, sheet(two_products(f"{photos.url}/"))).status_code == 200
    before = shop_catalogue(app.database_url, seller["shop"]["id"])["wool-scarf"]
    rows = [r for r in two_products(f"{photos.url}/") if r["Handle"] == "wool-scarf"]
    rows[0]["Title"], rows[0]["Variant Inventory Qty"] = "Merino scarf", "9"
    rows = rows[:2] + [{"Handle": "wool-scarf", "Option1 Value": "L", "Option2 Value": "Grey",
                        "Variant SKU": "SCARF-L-GREY", "Variant Inventory Qty": "1", "Variant Price": "148"}]
    response = upload(api, seller, sheet(rows))
    assert response.status_code == 200, response.text
    assert [p["handle"] for p in response.json()["updated"]] == ["wool-scarf"] and response.json()["created"] == []
    after = shop_catalogue(app.database_url, seller["shop"]["id"])
    scarf = after["wool-scarf"]
    assert scarf["id"] == before["id"] and scarf["title"] == "Merino scarf"
    assert [(v["sku"], v["stock"]) for v in scarf["variants"]] == [("SCARF-S-GREY", 9), ("SCARF-M-GREY", 6),
                                                                   ("SCARF-L-GREY", 1)]
    assert scarf["stock"] == 16
    assert [i["id"] for i in scarf["images"]] != [] and len(scarf["images"]) == 2


def photos_numbered(exported: str) -> tuple[str, list[str]]:
    """The file with each uploaded photo's URL (its name is made per shop) replaced by "photo-N", numbered in
    order of first appearance, and those URLs in that order: all else must be the same in a round trip."""
    urls: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(0) not in urls:
            urls.append(match.group(0))
        return f"photo-{urls.index(match.group(0)) + 1}"

    return PHOTO_URL.sub(number, exported), urls


PHOTO_URL = re.compile(r"https?://[^,\s\"]+/media/uploads/[^,\s\"]+")


def picture(url: str) -> tuple[tuple[int, int], tuple[int, ...]]:
    """A served photo's size and the colour of its middle pixel."""
    with Image.open(io.BytesIO(httpx.get(url).content)) as image:
        return image.size, image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def test_export_import_into_another_shop_and_export_again_gives_the_same_file(api, app, seller, photos):
    assert upload(api, seller, sheet(two_products(f"{photos.url}/"))).status_code == 200
    exported = api.get(f"/api/v1/shops/{seller['shop']['id']}/products.csv", headers=seller["owner"].headers)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0].startswith("Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name")
    assert lines[1].startswith("wool-scarf,Hand-knitted wool scarf,") and ",128.50," in lines[1]
    assert lines[2].startswith("wool-scarf,,")  # a following variant: the handle again, the title empty
    other = {"owner": register(api, roles=["seller"])}
    other["shop"] = make_shop(api, other["owner"], name=seller["shop"]["name"])  # the Vendor column: same name
    response = upload(api, other, exported.content, name="export.csv")
    assert response.status_code == 200, response.text
    again = api.get(f"/api/v1/shops/{other['shop']['id']}/products.csv", headers=other["owner"].headers)
    assert again.status_code == 200

    # The same file, byte for byte, once each shop's photo URLs are numbered (each import stores its own files).
    first, first_urls = photos_numbered(exported.text)
    second, second_urls = photos_numbered(again.text)
    assert second == first
    assert len(first_urls) == 3 and set(first_urls).isdisjoint(second_urls)
    assert ",photo-2," in first.splitlines()[3]  # the red scarf's own photo is the second one, in both files
    for before, after in zip(first_urls, second_urls):  # each photo is the same picture (JPEG may shift a shade)
        (size_a, colour_a), (size_b, colour_b) = picture(before), picture(after)
        assert size_a == size_b and all(abs(x - y) <= 4 for x, y in zip(colour_a, colour_b))

    def comparable(catalogue: dict) -> dict:
        return {sku: ({k: p[k] for k in ("title", "description", "category", "status", "price_minor", "stock",
                                         "option_axes")},
                      [(v["sku"], v["option1"], v["option2"], v["option3"], v["stock"], v["price_minor"],
                        (v["width"], v["height"]) if v["image_id"] else None) for v in p["variants"]],
                      [(i["width"], i["height"]) for i in p["images"]])
                for sku, p in catalogue.items()}

    original = shop_catalogue(app.database_url, seller["shop"]["id"])
    copied = shop_catalogue(app.database_url, other["shop"]["id"])
    assert comparable(copied) == comparable(original)
    assert {i["path"] for p in copied.values() for i in p["images"]}.isdisjoint(
        {i["path"] for p in original.values() for i in p["images"]})  # files of its own


def test_only_the_shops_members_export_or_import(api, seller):
    stranger = register(api, roles=["seller"])
    shop_id = seller["shop"]["id"]
    assert api.get(f"/api/v1/shops/{shop_id}/products.csv", headers=stranger.headers).status_code == 403
    refused = api.post(f"/api/v1/shops/{shop_id}/products/import", headers=stranger.headers,
                       files={"file": ("p.csv", b"Title\r\nA\r\n")})
    assert refused.status_code == 403
    assert api.get(f"/api/v1/shops/{shop_id}/products.csv").status_code == 401


def test_more_photos_than_variants_go_on_photo_rows_and_come_back(api, app, seller, photos):
    files = {name: (photos.folder / name).read_bytes() for name in ("scarf-grey.jpg", "scarf-red.png", "mug.jpg")}
    rows = [{"Handle": "clay-mug", "Title": "Clay mug", "Variant SKU": "MUG", "Variant Inventory Qty": "7",
             "Variant Price": "45", "Image Src": "mug.jpg", "Image Position": "1"},
            {"Handle": "clay-mug", "Image Src": "scarf-red.png", "Image Position": "3"},
            {"Handle": "clay-mug", "Image Src": "scarf-grey.jpg", "Image Position": "2"}]
    assert upload(api, seller, archive(sheet(rows), files), name="mug.zip").status_code == 200
    mug = shop_catalogue(app.database_url, seller["shop"]["id"])["MUG"]
    assert [(i["width"], i["height"]) for i in mug["images"]] == [(30, 60), (64, 48), (40, 40)]  # by position
    exported = api.get(f"/api/v1/shops/{seller['shop']['id']}/products.csv", headers=seller["owner"].headers).text
    assert [line.split(",")[0] for line in exported.splitlines()[1:]] == ["MUG", "MUG", "MUG"]
    other = {"owner": register(api, roles=["seller"])}
    other["shop"] = make_shop(api, other["owner"])
    assert upload(api, other, exported.encode()).status_code == 200
    copy = shop_catalogue(app.database_url, other["shop"]["id"])["MUG"]
    assert [(i["width"], i["height"]) for i in copy["images"]] == [(30, 60), (64, 48), (40, 40)]
    assert (copy["stock"], copy["price_minor"], copy["variants"]) == (7, 4500, [])


def test_two_variant_rows_without_an_option_name_are_refused(api, seller):
    rows = [{"Handle": "hat", "Title": "Hat", "Variant SKU": "HAT-1", "Variant Price": "5"},
            {"Handle": "hat", "Variant SKU": "HAT-2", "Variant Price": "6"}]
    refused = upload(api, seller, sheet(rows))
    assert refused.status_code == 422
    assert [(e["line"], e["column"], e["rule"]) for e in refused.json()["errors"]] == [
        (3, "Option1 Name", "option_name_required")]
