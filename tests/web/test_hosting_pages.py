"""The host of a show in the pages: every error of the schedule form at once, invitations answered in the studio,
"host invited" in public until the answer, and the invitation in the feed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone


from tests.helpers import make_shop, register, unique
from tests.web.support import Browser


def soon() -> str:
    return f"{datetime.now(timezone.utc) + timedelta(days=7):%Y-%m-%d}T20:00"


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_the_schedule_form_shows_every_error_at_once_in_the_users_language(api, browser):
    seller = register(api, roles=["seller", "host"], language="es")
    shop = make_shop(api, seller)
    admin = browser("es")
    admin.log_in(seller.email)
    admin.get(f"/manage/shops/{shop['id']}")
    typed = {"title": "", "description": "Chaquetas de plumón", "language": "es", "market": "ES",
             "category": "outdoor", "scheduled_at": "2020-01-01T20:00", "host_email": "nadie@example.com"}
    page = admin.post(f"/manage/shops/{shop['id']}/shows", typed)
    assert page.status_code == 422
    assert error_of(page.text, "host_email") == "No existe ese usuario."
    assert error_of(page.text, "title") == "Este campo es obligatorio."
    assert error_of(page.text, "scheduled_at") == "Elige una hora futura."
    assert 'value="nadie@example.com"' in page.text and "Chaquetas de plumón</textarea>" in page.text
    assert 'value="2020-01-01T20:00"' in page.text and 'value="outdoor"' in page.text
    viewer = register(api)  # registered, but neither a host nor a seller; and a date that is no date
    page = admin.post(f"/manage/shops/{shop['id']}/shows", {**typed, "title": "Plumas", "host_email": viewer.email,
                                                            "scheduled_at": "mañana"})
    assert error_of(page.text, "host_email") == "El presentador debe ser un presentador o vendedor registrado."
    assert error_of(page.text, "scheduled_at") == "Elige una fecha y una hora."
    assert api.get("/api/v1/shows", params={"shop_id": shop["id"]}).json()["total"] == 0


def _schedule_with(api, browser, host_email: str) -> tuple[dict, Browser, int]:
    seller = register(api, roles=["seller", "host"], display_name=unique("Sun"))
    shop = make_shop(api, seller, name=unique("Jade Peak"))
    admin = browser()
    admin.log_in(seller.email)
    admin.get(f"/manage/shops/{shop['id']}")
    made = admin.post(f"/manage/shops/{shop['id']}/shows", {
        "title": unique("Down jackets live"), "language": "es", "market": "ES", "scheduled_at": soon(),
        "host_email": host_email})
    assert made.status_code == 303, made.text
    return shop, admin, int(re.search(r"scheduled=(\d+)", made.headers["location"]).group(1))


def test_an_invited_host_accepts_in_the_studio_and_is_named_only_then(api, browser):
    lucia = register(api, roles=["host"], display_name=unique("Lucía"))
    shop, admin, show_id = _schedule_with(api, browser, lucia.email)
    shop_page = admin.get(f"/manage/shops/{shop['id']}").text
    assert "Host invited: " + lucia_name(api, lucia) + ", waiting for an answer" in shop_page
    visitor = browser()
    for path in (f"/shows/{show_id}", f"/shops/{shop['id']}"):
        html = visitor.get(path).text
        assert "Host invited" in html and lucia_name(api, lucia) not in html, path

    host = browser()
    host.log_in(lucia.email)
    feed = host.get("/notifications").text
    assert f"{shop['name']} asks you to host" in feed and 'href="/studio#invitations"' in feed
    studio = host.get("/studio").text
    invitation_id = int(re.search(r'action="/studio/invitations/(\d+)/accept"', studio).group(1))
    assert host.get(f"/studio/shows/{show_id}").status_code == 403  # not theirs yet
    accepted = host.post(f"/studio/invitations/{invitation_id}/accept")
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/studio?accepted=")
    assert "Accepted: you are the show's host." in host.get(accepted.headers["location"]).text
    assert host.get(f"/studio/shows/{show_id}").status_code == 200
    html = visitor.get(f"/shows/{show_id}").text
    assert lucia_name(api, lucia) in html and "Host invited" not in html
    again = host.post(f"/studio/invitations/{invitation_id}/decline")
    assert again.status_code == 409 and "This invitation has already been answered or withdrawn." in again.text


def test_declining_in_the_studio_leaves_the_show_with_the_shop(api, browser):
    camille = register(api, roles=["host"], display_name=unique("Camille"), language="fr")
    shop, admin, show_id = _schedule_with(api, browser, camille.email)
    host = browser("fr")
    host.log_in(camille.email)
    studio = host.get("/studio").text
    invitation_id = int(re.search(r'action="/studio/invitations/(\d+)/decline"', studio).group(1))
    outsider = browser()
    outsider.log_in(register(api, roles=["host"]).email)
    assert outsider.post(f"/studio/invitations/{invitation_id}/decline").status_code == 403
    declined = host.post(f"/studio/invitations/{invitation_id}/decline")
    assert declined.status_code == 303
    assert f'action="/studio/invitations/{invitation_id}/accept"' not in host.get("/studio").text
    show = api.get(f"/api/v1/shows/{show_id}").json()
    assert show["host_invited"] is False and show["host_id"] != camille.id
    assert "Host invited" not in admin.get(f"/manage/shops/{shop['id']}").text


def lucia_name(api, actor) -> str:
    return api.get("/api/v1/me", headers=actor.headers).json()["display_name"]
