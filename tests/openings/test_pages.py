"""The openings on the show page, in the studio, and the buyer's "my openings" page, in the user's language."""

from __future__ import annotations

import html

from tests.helpers import make_product
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket
from tests.orders.support import ADDRESS
from tests.web.support import Browser


def test_show_page_studio_and_my_openings_in_the_users_language(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    wang = buyer_with(api, app_server.database_url, name="Wang", language="fr")
    ticket = buy_ticket(api, wang, lot_id).json()
    open_ticket(api, seller, lot_id, ticket["id"], pearl_count=4, colour="golden", summary="Round, high lustre")

    viewer = Browser(app_server.url, language="fr")
    viewer.log_in(wang.email)
    page = viewer.get(f"/shows/{show_id}")
    assert page.status_code == 200 and "Ouvertures en direct" in page.text and "/static/js/openings.js" in page.text
    mine = viewer.get("/account/openings")
    assert mine.status_code == 200 and "Mes ouvertures" in mine.text
    # Each fact of the outcome under its own label: the farmer's note is not mistaken for what was drawn.
    assert '<dt>Perles</dt><dd data-fact="pearl_count">4</dd>' in mine.text
    assert '<dt>Couleur</dt><dd data-fact="colour">golden</dd>' in mine.text
    assert '<dt>Note du producteur</dt><dd data-fact="summary">Round, high lustre</dd>' in mine.text
    assert "Expédiez-le-moi" in mine.text and "/verify" not in mine.text  # no draw to verify in this lot

    host = Browser(app_server.url)
    host.log_in(seller.email)
    studio = host.get(f"/studio/shows/{show_id}")
    assert studio.status_code == 200 and "Open next" in studio.text and "/static/js/openings_studio.js" in studio.text
    assert Browser(app_server.url).get("/account/openings", follow_redirects=False).status_code in (303, 401)


def test_my_openings_offers_the_setting_and_shows_the_order(api, app_server):
    world = live_lot(api)
    seller, shop, show_id = world["seller"], world["shop"], world["show"]["id"]
    pendant = make_product(api, seller, shop["id"], title="Silver pendant setting", price_minor=25_000)
    lot = make_lot(api, seller, show_id, addon_product_id=pendant["id"])
    wang = buyer_with(api, app_server.database_url, amount_minor=50_000, language="fr")
    ticket = buy_ticket(api, wang, lot["id"]).json()
    open_ticket(api, seller, lot["id"], ticket["id"], pearl_count=2)

    viewer = Browser(app_server.url, language="fr")
    viewer.log_in(wang.email)
    offered = viewer.get("/account/openings").text
    assert "Le monter en bijou : Silver pendant setting" in offered and "Expédiez-le-moi" in offered
    order = api.post(f"/api/v1/me/openings/{ticket['id']}/fulfilment", headers=wang.headers,
                     json={"choice": "jewellery", "shipping": ADDRESS}).json()["order"]
    chosen = viewer.get("/account/openings").text
    assert f"Commande {order['ref']}" in chosen and "Monté en bijou : Silver pendant setting" in chosen
    assert "Expédiez-le-moi" not in chosen

    host = Browser(app_server.url)
    host.log_in(seller.email)
    studio = host.get(f"/studio/shows/{show_id}").text
    assert "Snapshot from the stream" in studio and "Or upload a photo" in studio
    assert f'<option value="{pendant["id"]}">Silver pendant setting</option>' in studio


def test_my_openings_labels_the_drawn_item_apart_from_the_farmers_note(api, app_server):
    world = live_lot(api, quantity=2, random_pick=True, pick_items=["Akoya, 7 mm", "Akoya, 8 mm", "Keshi"])
    seller, lot_id = world["seller"], world["lot"]["id"]
    wang = buyer_with(api, app_server.database_url, name="Wang")
    ticket = buy_ticket(api, wang, lot_id).json()
    drawn = open_ticket(api, seller, lot_id, ticket["id"], summary="Two of them twinned").json()["drawn_item"]
    viewer = Browser(app_server.url)
    viewer.log_in(wang.email)
    mine = html.unescape(viewer.get("/account/openings").text)
    assert f'<dt>Drawn item</dt><dd data-fact="drawn_item">{drawn}</dd>' in mine
    assert f'<a href="/openings/{lot_id}/verify">Verify this draw</a>' in mine
    assert """<dt>Farmer's note</dt><dd data-fact="summary">Two of them twinned</dd>""" in mine
    viewer.close()
