"""Anonymous show and discover pages come from a short-lived cache, and still show the live state."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from livestall.web.pages.cache import TTL_S
from tests.helpers import make_shop, make_show, register, unique
from tests.web.support import lang_of

BADGE = re.compile(r'<span class="badge" data-badge>([^<]*)</span>')


def renders(api: httpx.Client, page: str) -> dict[str, float]:
    """The page cache's counts for `page` from /metrics: render, hit, shared."""
    counts = {"render": 0.0, "hit": 0.0, "shared": 0.0}
    for family in text_string_to_metric_families(api.get("/metrics").text):
        for sample in family.samples:
            if sample.name == "livestall_page_cache_total" and sample.labels["page"] == page:
                counts[sample.labels["outcome"]] = sample.value
    return counts


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {outcome: after[outcome] - before[outcome] for outcome in before}


def served_from_cache(counts: dict[str, float], requests: int, keys: int, started: float) -> bool:
    """Each key rendered once per lifetime that passed since `started`, every other request from the cache.

    A loaded machine may take longer than a lifetime to answer them all: then a key may render again."""
    lifetimes = 1 + int((time.monotonic() - started) // TTL_S)
    return counts["render"] + counts["hit"] + counts["shared"] == requests and \
        keys <= counts["render"] <= keys * lifetimes


@pytest.fixture()
def scheduled(api):
    """A host, their shop and a show coming up in five minutes, in a category of its own."""
    host = register(api, roles=["seller", "host"], display_name=unique("Host"))
    shop = make_shop(api, host, name=unique("Pearls"))
    show = make_show(api, host, shop["id"], title=unique("Pearl night"), minutes_ahead=5, category=unique("pearls"))
    return {"host": host, "shop": shop, "show": show}


def test_the_anonymous_show_page_is_served_from_cache_and_still_shows_the_live_state(api, browser, scheduled):
    path = f"/shows/{scheduled['show']['id']}"
    before, started = renders(api, "show"), time.monotonic()
    first, second = browser(), browser()
    page_a, page_b = first.get(path), second.get(path)
    assert page_a.status_code == page_b.status_code == 200
    assert served_from_cache(moved(before, renders(api, "show")), requests=2, keys=1, started=started)
    assert BADGE.search(page_b.text).group(1) == "Coming up"

    # The same page, each browser with its own form token that its own seed cookie vouches for.
    assert first.token and second.token and first.token != second.token
    assert page_a.text.replace(first.token, "") == page_b.text.replace(second.token, "")
    assert second.post("/lang", {"lang": "fr", "next": path}).status_code == 303
    assert first.post("/lang", {"lang": "fr", "next": path}).status_code == 303

    host = scheduled["host"]
    assert api.post(f"/api/v1/shows/{scheduled['show']['id']}/start", headers=host.headers).status_code == 200
    rendered = renders(api, "show")["render"]
    live = browser().get(path)
    assert BADGE.search(live.text).group(1) == "LIVE" and '"status":"live"' in live.text
    assert renders(api, "show")["render"] == rendered + 1  # going live dropped the cached page at once


def test_the_cached_page_keeps_its_headers_and_gives_each_new_browser_a_seed(api, browser, scheduled):
    path = f"/shows/{scheduled['show']['id']}"
    browser().get(path)
    before, started = renders(api, "show"), time.monotonic()
    response = httpx.get(api.base_url.join(path), headers={"Accept-Language": "en"})
    counts = moved(before, renders(api, "show"))
    assert counts["hit"] == 1 or (counts["render"] == 1 and time.monotonic() - started > TTL_S / 2)
    headers = response.headers
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "private, no-cache" and headers["vary"] == "Accept-Language, Cookie"
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    assert "livestall_csrf=" in headers["set-cookie"] and int(headers["content-length"]) == len(response.content)


def test_a_logged_in_viewer_never_gets_the_anonymous_page(api, browser, scheduled):
    path = f"/shows/{scheduled['show']['id']}"
    anonymous = browser().get(path).text
    assert "Log in to chat and ask questions" in anonymous
    viewer = register(api, display_name=unique("Viewer"))
    member = browser()
    member.client.cookies.set("livestall_session", viewer.token)
    before = renders(api, "show")
    for _ in range(2):
        personal = member.get(path).text
        assert "Log in to chat and ask questions" not in personal and "data-chat-form" in personal
        assert ">Log out<" in personal and "/account/orders" in personal
    assert moved(before, renders(api, "show")) == {"render": 0, "hit": 0, "shared": 0}


def test_each_language_gets_its_own_page(api, browser, scheduled):
    path = f"/shows/{scheduled['show']['id']}"
    before, started = renders(api, "show"), time.monotonic()
    pages = [browser(language).get(path).text for language in ("en", "fr-FR", "en-GB", "fr")]
    assert [lang_of(html)[0] for html in pages] == ["en", "fr", "en", "fr"]
    assert "Connectez-vous pour discuter" in pages[1] and "Connectez-vous pour discuter" in pages[3]
    assert served_from_cache(moved(before, renders(api, "show")), requests=4, keys=2, started=started)
    chosen = browser("en")  # a language picked in the page wins over the header, and is its own page too
    chosen.client.cookies.set("livestall_lang", "ar")
    assert lang_of(chosen.get(path).text) == ("ar", "rtl")


def test_a_crowd_arriving_at_once_renders_the_page_once(api, app_server, scheduled):
    path = f"/shows/{scheduled['show']['id']}?from={unique('newsletter')}"  # a key nobody asked for yet
    before, started = renders(api, "show"), time.monotonic()

    def open_link(_):
        return httpx.get(f"{app_server.url}{path}", headers={"Accept-Language": "es"}, timeout=30)

    with ThreadPoolExecutor(24) as pool:
        responses = list(pool.map(open_link, range(48)))
    assert {r.status_code for r in responses} == {200}
    assert all(lang_of(r.text)[0] == "es" and path.split("?")[1] in r.text for r in responses)
    assert served_from_cache(moved(before, renders(api, "show")), requests=48, keys=1, started=started)


def test_a_cached_page_lives_a_couple_of_seconds(api, browser, scheduled):
    path = f"/shows/{scheduled['show']['id']}"
    before, started = renders(api, "show"), time.monotonic()
    browser().get(path)
    browser().get(path)
    counts = moved(before, renders(api, "show"))
    assert served_from_cache(counts, requests=2, keys=1, started=started)
    time.sleep(TTL_S + 0.3)
    browser().get(path)
    assert moved(before, renders(api, "show"))["render"] == counts["render"] + 1  # its lifetime ran out


def test_discover_shows_a_show_that_went_live(api, browser, scheduled):
    show = scheduled["show"]
    path = f"/?category={show['category']}"
    visitor = browser()
    before, started = renders(api, "discover"), time.monotonic()
    visitor.get(path)
    upcoming = visitor.get(path).text
    assert served_from_cache(moved(before, renders(api, "discover")), requests=2, keys=1, started=started)
    assert show["title"] in upcoming and "data-live-list" not in upcoming

    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=scheduled["host"].headers).status_code == 200
    live = visitor.get(path).text.split("data-live-list", 1)
    assert len(live) == 2 and show["title"] in live[1].split("</section>", 1)[0]
