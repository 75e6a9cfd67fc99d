"""What a logged-out visitor taps (follow, remind me) is done once they have logged in, on the page they left."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.helpers import PASSWORD, make_shop, make_show, register, unique
from tests.web.support import until

LOGIN = re.compile(r"/login\?next=")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def visitor(chromium, app_server):
    """A logged-out visitor's phone."""
    context = chromium.new_context(base_url=app_server.url, **PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def log_in_on_the_page(page, email: str) -> None:
    page.wait_for_url(LOGIN)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_follow_tapped_before_logging_in_is_done_after(api, visitor):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller, name=unique("Pearl farm"))
    viewer = register(api)
    visitor.goto(f"/shops/{shop['id']}")
    visitor.get_by_role("button", name="Follow").tap()
    log_in_on_the_page(visitor, viewer.email)
    visitor.wait_for_url(f"**/shops/{shop['id']}")
    until(visitor, "document.querySelector('button[data-follow=shop]').getAttribute('aria-pressed') === 'true'")
    assert visitor.get_by_role("button", name="Following").is_visible()
    followed = api.get("/api/v1/me/follows", headers=viewer.headers).json()
    assert [(f["kind"], f["target_id"]) for f in followed] == [("shop", shop["id"])]
    assert not visitor.errors, visitor.errors
    # Done once: coming back to the page later does not undo or repeat it.
    visitor.reload()
    visitor.wait_for_load_state("networkidle")
    assert visitor.locator("button[data-follow=shop]").get_attribute("aria-pressed") == "true"


def test_remind_me_tapped_before_logging_in_is_set_after(api, visitor):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    show = make_show(api, seller, shop["id"], title=unique("Cardigans"), minutes_ahead=120)
    viewer = register(api)
    visitor.goto(f"/shows/{show['id']}")
    visitor.locator("form[data-remind] button").filter(has_text="Remind me").first.tap()
    log_in_on_the_page(visitor, viewer.email)
    visitor.wait_for_url(f"**/shows/{show['id']}")
    until(visitor, "document.querySelector('form[data-remind] button').getAttribute('aria-pressed') === 'true'")
    # Chromium reports the phone's view transition from the login page back to a show page as aborted (it is
    # the same without any action to resume): not an error of the page's.
    assert [e for e in visitor.errors if "ViewTransition" not in e] == []
    visitor.reload()  # the server has it: the page comes back with the reminder set
    assert visitor.locator("form[data-remind] button").first.inner_text() == "Reminder set"


def test_a_visitor_who_gives_up_on_logging_in_finds_nothing_done_later(api, visitor):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    other_shop = make_shop(api, seller)
    viewer = register(api)
    visitor.goto(f"/shops/{shop['id']}")
    visitor.get_by_role("button", name="Follow").tap()
    visitor.wait_for_url(LOGIN)
    # Logged in later from another shop's page: the old tap belonged to the first shop's page, not this one.
    visitor.goto(f"/login?next=/shops/{other_shop['id']}")
    log_in_on_the_page(visitor, viewer.email)
    visitor.wait_for_url(f"**/shops/{other_shop['id']}")
    visitor.wait_for_load_state("networkidle")
    assert api.get("/api/v1/me/follows", headers=viewer.headers).json() == []
    assert visitor.get_by_role("button", name="Follow").is_visible()
