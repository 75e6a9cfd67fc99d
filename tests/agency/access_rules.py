"""Who may call the agency write routes."""

from datetime import datetime, timedelta, timezone

from tests.access import ROLES, AreaRules, Rule
from tests.helpers import register, unique

ADMIN = ("agency_admin",)


def _post(w, path: str, body: dict, who: str = "agency_admin") -> dict:
    response = w["api"].post(path, json=body, headers=w[who].headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _new_agency(w) -> dict:
    """A fresh agency of the world's agency admin, with a one-module course."""
    agency = _post(w, "/api/v1/agencies", {"name": unique("Agency"), "country": "CN"})
    course = _post(w, f"/api/v1/agencies/{agency['id']}/courses", {"title": "Basics", "modules": ["Camera"]})
    agency["module_id"] = course["modules"][0]["id"]
    return agency


def _agency(w) -> dict:
    if "agency" not in w:
        w["agency"] = _new_agency(w)
    return w["agency"]


def _active_host(w, agency: dict, email: str) -> int:
    """A certified, active host of `agency` with the account `email`."""
    host = _post(w, f"/api/v1/agencies/{agency['id']}/hosts",
                 {"display_name": "Host", "email": email, "country": "ES", "languages": ["es"]})
    for stage in ("screening", "training"):
        _post(w, f"/api/v1/hosts/{host['id']}/stage", {"stage": stage})
    courses = w["api"].get(f"/api/v1/agencies/{agency['id']}/courses", headers=w["agency_admin"].headers).json()
    for module_id in [m["id"] for c in courses for m in c["modules"]]:  # other rules add courses too
        _post(w, f"/api/v1/hosts/{host['id']}/completions", {"module_id": module_id})
    _post(w, f"/api/v1/hosts/{host['id']}/stage", {"stage": "active"})
    return host["id"]


def _host(w) -> int:
    return _active_host(w, _agency(w), register(w["api"], roles=["host"]).email)


def _show(w) -> int:
    """A show of the world's shop, each in a slot of its own: the world's host is booked onto many."""
    w["slot"] = w.get("slot", 0) + 1
    at = datetime.now(timezone.utc) + timedelta(days=2, hours=3 * w["slot"])
    body = {"shop_id": w["shop"]["id"], "title": "T", "language": "es", "market": "ES", "scheduled_at": at.isoformat()}
    return _post(w, "/api/v1/shows", body, who="owner")["id"]


def _booking(w) -> int:
    """A proposed booking of the world's host user, in an agency of its own (profiles are unique per agency)."""
    host_id = _active_host(w, _new_agency(w), w["host"].email)
    return _post(w, f"/api/v1/hosts/{host_id}/bookings", {"host_id": host_id, "show_id": _show(w)})["id"]


def _booking_body(w) -> dict:
    return {"host_id": w["made"]["host_id"], "show_id": _show(w)}


def _hold_show(w, path: str) -> None:
    """The booked host accepts and the show is held (started and ended), so that it can be paid."""
    api, headers = w["api"], w["host"].headers
    booking = api.post(path.replace("/payout", "/accept"), headers=headers).json()
    for action in ("start", "end"):
        api.post(f"/api/v1/shows/{booking['show_id']}/{action}", headers=headers)


def _held_for_review(w, path: str) -> None:
    """The show is held without a stream (a no-show), and the agency's payout under its default rule holds it."""
    parts = path.split("/")
    booking_id = parts[parts.index("bookings") + 1]  # an API path or a page's
    _hold_show(w, f"/api/v1/bookings/{booking_id}/payout")
    held = w["api"].post(f"/api/v1/bookings/{booking_id}/payout", headers=w["agency_admin"].headers)
    assert held.status_code == 200 and held.json()["payout_state"] == "held", held.text


def _application(w) -> dict:
    return {"display_name": "Applicant", "email": f"{unique('apply')}@example.com", "country": "FR",
            "languages": ["fr"]}


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/agencies"): Rule(ADMIN, body=lambda w: {"name": unique("Agency"), "country": "CN"}),
        ("POST", "/api/v1/agencies/{agency_id}/applications"): Rule(ROLES, body=_application),
        ("POST", "/api/v1/agencies/{agency_id}/hosts"): Rule(ADMIN, body=_application),
        ("POST", "/api/v1/agencies/{agency_id}/courses"): Rule(ADMIN, body=lambda w: {"title": "C", "modules": ["M"]}),
        ("POST", "/api/v1/agencies/{agency_id}/requests"): Rule(
            ("owner", "staff"), body=lambda w: {"shop_id": w["shop"]["id"], "language": "es", "market": "ES",
                                                "date": "2031-05-01"}),
        ("PATCH", "/api/v1/hosts/{host_id}"): Rule(ADMIN, body=lambda w: {"fee_minor": 100000}),
        ("POST", "/api/v1/hosts/{host_id}/stage"): Rule(ADMIN, body=lambda w: {"stage": "paused"}),
        ("POST", "/api/v1/hosts/{host_id}/completions"): Rule(
            ADMIN, body=lambda w: {"module_id": _agency(w)["module_id"]}),
        ("POST", "/api/v1/hosts/{host_id}/bookings"): Rule(ADMIN, body=_booking_body),
        ("POST", "/api/v1/bookings/{booking_id}/accept"): Rule(("host",)),
        ("POST", "/api/v1/bookings/{booking_id}/decline"): Rule(("host",)),
        ("POST", "/api/v1/bookings/{booking_id}/cancel"): Rule(ADMIN),
        ("POST", "/api/v1/bookings/{booking_id}/payout"): Rule(ADMIN, prepare=_hold_show),
        ("POST", "/api/v1/bookings/{booking_id}/payout/release"): Rule(ADMIN, prepare=_held_for_review),
        ("POST", "/api/v1/bookings/{booking_id}/payout/cancel"): Rule(ADMIN, prepare=_held_for_review),
        ("PUT", "/api/v1/agencies/{agency_id}/payout-rule"): Rule(ADMIN, body=lambda w: {"short_show_rule": "hold"}),
        # nothing is owed in the audit's world: 409 shows the shop's people got past authorization
        ("POST", "/api/v1/shops/{shop_id}/agency-payables/{agency_id}/settle"): Rule(
            ("owner", "staff"), body=lambda w: {"currency": "CNY"}, passed=(409,)),
    },
    params={"agency_id": lambda w: _agency(w)["id"], "host_id": _host, "booking_id": _booking},
)
