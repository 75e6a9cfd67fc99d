"""Who may register, change and remove webhooks: a shop's owners, an agency's admins."""

from tests.access import AreaRules, Rule

# A public address that needs no DNS; the event chosen is one the audit never causes.
HOOK = {"url": "https://93.184.216.34/hook", "events": ["order.refunded"]}


def _webhook(w) -> int:
    made = w["api"].post(f"/api/v1/shops/{w['shop']['id']}/webhooks", json=HOOK, headers=w["owner"].headers)
    return made.json()["id"]


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shops/{shop_id}/webhooks"): Rule(("owner",), body=lambda w: HOOK),
        ("POST", "/api/v1/agencies/{agency_id}/webhooks"): Rule(("agency_admin",), body=lambda w: HOOK),
        ("PATCH", "/api/v1/webhooks/{webhook_id}"): Rule(("owner",), body=lambda w: {"active": False}),
        ("DELETE", "/api/v1/webhooks/{webhook_id}"): Rule(("owner",)),
    },
    params={"webhook_id": _webhook},
)
