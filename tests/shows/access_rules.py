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


def _invitation(w) -> int:
    """A fresh invitation of the world's host (outside the shop) to host a new show of the world's shop."""
    api = w["api"]
    show = api.post("/api/v1/shows", json={**show_body(w), "host_id": w["host"].id}, headers=w["owner"].headers)
    asked = api.get("/api/v1/me/host-invitations", params={"status": "proposed"}, headers=w["host"].headers).json()
    return next(i["id"] for i in asked if i["show_id"] == show.json()["id"])


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
        ("POST", "/api/v1/host-invitations/{invitation_id}/accept"): Rule(("host",)),
        ("POST", "/api/v1/host-invitations/{invitation_id}/decline"): Rule(("host",)),
    },
    params={"show_id": _show, "invitation_id": _invitation},
)
