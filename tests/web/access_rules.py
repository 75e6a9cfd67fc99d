"""Who may post the web pages' forms (API clients may post them as JSON, with a Bearer token)."""

from datetime import datetime, timedelta, timezone

from tests.access import LOGGED_IN, ROLES, AreaRules, Rule
from tests.agency.access_rules import ADMIN, _agency, _application, _held_for_review, _show
from tests.helpers import PASSWORD, unique
from tests.orders.access_rules import _shipped

RUNNERS = ("owner", "staff")


def _hold_booking(w, path: str) -> None:
    """The booked host accepts and the show is held (started and ended), so that the booking can be paid."""
    api, headers = w["api"], w["host"].headers
    booking_id = path.split("/")[3]
    booking = api.post(f"/api/v1/bookings/{booking_id}/accept", headers=headers).json()
    for action in ("start", "end"):
        api.post(f"/api/v1/shows/{booking['show_id']}/{action}", headers=headers)


def _later() -> str:
    """A datetime-local value two hours ahead (read as UTC: the API client sends no time zone cookie)."""
    return (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


AREA = AreaRules(
    rules={
        ("POST", "/signup"): Rule(ROLES, body=lambda w: {
            "email": f"{unique('w')}@example.com", "password": PASSWORD, "display_name": "W"}),
        ("POST", "/login"): Rule(ROLES, body=lambda w: {"email": w["viewer"].email, "password": PASSWORD}),
        ("POST", "/logout"): Rule(LOGGED_IN),
        ("POST", "/lang"): Rule(ROLES, body=lambda w: {"lang": "en"}),
        ("POST", "/account"): Rule(LOGGED_IN, body=lambda w: {"display_name": "Me"}),
        ("POST", "/shows/{show_id}/remind"): Rule(LOGGED_IN, body=lambda w: {"on": "1"}),
        ("POST", "/manage/shops"): Rule(("seller", "owner"), body=lambda w: {
            "name": unique("Shop"), "city": "Tianshui", "country": "CN"}),
        ("POST", "/manage/shops/{shop_id}/products"): Rule(RUNNERS, body=lambda w: {
            "title": "Scarf", "sku": unique("S"), "price": "12.50", "stock": "3", "status": "active"}),
        ("POST", "/manage/products/{product_id}"): Rule(RUNNERS, body=lambda w: {
            "title": "Scarf", "sku": unique("S"), "price": "13", "stock": "4", "status": "active"}),
        ("POST", "/manage/shops/{shop_id}/shows"): Rule(RUNNERS, body=lambda w: {
            "title": "Evening show", "language": "es", "market": "ES", "scheduled_at": _later(),
            "host_email": w["owner"].email}),
        # the agency pages (the {agency_id}, {host_id} and {booking_id} objects come from tests/agency)
        ("POST", "/agency"): Rule(ADMIN, body=lambda w: {"name": unique("Agency"), "country": "CN"}),
        ("POST", "/agency/{agency_id}/hosts"): Rule(ADMIN, body=_application),
        ("POST", "/agency/hosts/{host_id}/stage"): Rule(ADMIN, body=lambda w: {"stage": "paused"}),
        ("POST", "/agency/hosts/{host_id}/completions"): Rule(
            ADMIN, body=lambda w: {"module_id": _agency(w)["module_id"]}),
        ("POST", "/agency/hosts/{host_id}/bookings"): Rule(ADMIN, body=lambda w: {"show_id": _show(w)}),
        ("POST", "/agency/bookings/{booking_id}/cancel"): Rule(ADMIN),
        ("POST", "/agency/bookings/{booking_id}/payout"): Rule(ADMIN, prepare=_hold_booking),
        ("POST", "/agency/bookings/{booking_id}/payout/release"): Rule(ADMIN, prepare=_held_for_review),
        ("POST", "/agency/bookings/{booking_id}/payout/cancel"): Rule(ADMIN, prepare=_held_for_review),
        ("POST", "/agency/{agency_id}/payout-rule"): Rule(ADMIN, body=lambda w: {"short_show_rule": "hold"}),
        ("POST", "/agencies/{agency_id}/requests"): Rule(RUNNERS, body=lambda w: {
            "shop_id": str(w["shop"]["id"]), "language": "es", "market": "ES", "date": "2031-05-01"}),
        ("POST", "/agencies/{agency_id}/payables/settle"): Rule(RUNNERS, body=lambda w: {
            "shop_id": str(w["shop"]["id"]), "currency": "CNY"}, passed=(409,)),
        ("POST", "/studio/invitations/{invitation_id}/accept"): Rule(("host",)),
        ("POST", "/studio/invitations/{invitation_id}/decline"): Rule(("host",)),
        ("POST", "/host/bookings/{booking_id}/accept"): Rule(("host",)),
        ("POST", "/host/bookings/{booking_id}/decline"): Rule(("host",)),
        ("POST", "/agencies/{agency_id}/apply"): Rule(ROLES, body=_application),
        # the operator console (the {order_id} comes from tests/orders, paid and shipped first)
        ("POST", "/operator/users/{user_id}/topups"): Rule(("operator",), body=lambda w: {
            "amount": "12.50", "currency": "CNY", "reference": "cash at the desk"}),
        ("POST", "/operator/orders/{order_id}/refund"): Rule(("operator",), prepare=_shipped),
    },
)
