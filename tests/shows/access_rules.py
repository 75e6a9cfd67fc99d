"""Who may call the show write routes."""

from datetime import datetime, timedelta, timezone

from tests.access import AreaRules, Rule


def show_body(w) -> dict:
    return {"shop_id": w["shop"]["id"], "title": "T", "language": "en", "market": "US", "host_id": w["owner"].id,
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()}


def _show(w) -> int:
    return w["api"].post("/api/v1/shows", json=show_body(w), headers=w["owner"].headers).json()["id"]


def _start_first(w, path: str) -> None:
    w["api"].post(path.replace("/end", "/start"), headers=w["owner"].headers)


RUNNERS = ("owner", "staff")

AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shows"): Rule(RUNNERS, body=show_body),
        ("PATCH", "/api/v1/shows/{show_id}"): Rule(RUNNERS, body=lambda w: {"title": "New title"}),
        ("POST", "/api/v1/shows/{show_id}/start"): Rule(RUNNERS),
        ("POST", "/api/v1/shows/{show_id}/end"): Rule(RUNNERS, prepare=_start_first),
        ("POST", "/api/v1/shows/{show_id}/cancel"): Rule(RUNNERS),
        ("POST", "/api/v1/shows/{show_id}/cover"): Rule(RUNNERS, image=True),
        ("PUT", "/api/v1/shows/{show_id}/moderators/{user_id}"): Rule(RUNNERS),
        ("DELETE", "/api/v1/shows/{show_id}/moderators/{user_id}"): Rule(RUNNERS),
        ("POST", "/api/v1/me/stream-key"): Rule(("seller", "host", "owner")),
    },
    params={"show_id": _show},
)
