"""Each giveaway is a chapter of the show's replay, at the moment it started, beside the other chapters."""

from __future__ import annotations

from datetime import datetime

from livestall.media.schemas import Chapter
from tests.giveaways.support import draw_now, start_giveaway
from tests.helpers_db import replay_chapters
from tests.orders.support import live_shop


def test_giveaways_become_replay_chapters(api, app_server):
    world = live_shop(api, title="Silk scarf")
    seller, show_id = world["seller"], world["show"]["id"]
    first = start_giveaway(api, seller, show_id, title="Lucky bag")
    draw_now(api, seller, first["id"])
    second = start_giveaway(api, seller, show_id, prize="product", product_id=world["product"]["id"],
                            amount_minor=None)
    started = datetime.fromisoformat(api.get(f"/api/v1/shows/{show_id}").json()["started_at"])
    chapters = replay_chapters(app_server.database_url, show_id, started)
    marked = [c for c in chapters if c["kind"] == "giveaway"]
    assert [(c["title"], c["giveaway_id"]) for c in marked] == [("Lucky bag", first["id"]), ("Silk scarf", second["id"])]
    assert all(Chapter.model_validate(c) for c in chapters)  # the replay API's schema takes them
    assert [c["at_s"] for c in chapters] == sorted(c["at_s"] for c in chapters)
