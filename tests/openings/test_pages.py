"""The openings on the show page, in the studio, and the buyer's "my openings" page, in the user's language."""

from __future__ import annotations

from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket
from tests.web.support import Browser


def test_show_page_studio_and_my_openings_in_the_users_language(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    wang = buyer_with(api, app_server.database_url, name="Wang", language="fr")
    ticket = buy_ticket(api, wang, lot_id).json()
    open_ticket(api, seller, lot_id, ticket["id"], pearl_count=4, colour="golden")

    viewer = Browser(app_server.url, language="fr")
    viewer.log_in(wang.email)
    page = viewer.get(f"/shows/{show_id}")
    assert page.status_code == 200 and "Ouvertures en direct" in page.text and "/static/js/openings.js" in page.text
    mine = viewer.get("/account/openings")
    assert mine.status_code == 200 and "Mes ouvertures" in mine.text
    assert "Perles : 4" in mine.text and "golden" in mine.text and "Expédiez-le-moi" in mine.text

    host = Browser(app_server.url)
    host.log_in(seller.email)
    studio = host.get(f"/studio/shows/{show_id}")
    assert studio.status_code == 200 and "Open next" in studio.text and "/static/js/openings_studio.js" in studio.text
    assert Browser(app_server.url).get("/account/openings", follow_redirects=False).status_code in (303, 401)
