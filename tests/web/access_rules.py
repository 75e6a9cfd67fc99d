"""Who may post the web pages' forms (API clients may post them as JSON, with a Bearer token)."""

from datetime import datetime, timedelta, timezone

from tests.access import LOGGED_IN, ROLES, AreaRules, Rule
from tests.helpers import PASSWORD, unique

RUNNERS = ("owner", "staff")


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
    },
)
