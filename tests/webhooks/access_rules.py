"""Who may register, change and remove webhooks: a shop's owners, an agency's admins."""

from tests.access import AreaRules, Rule

# A public address that needs no DNS; the event chosen is one the audit never causes.
HOOK = {"url": "https://93.184.216.34/hook", "events": ["order.refunded"]}


def _webhook(w) -> int:
    """A fresh webhook of the world's shop; the earlier ones go first (a shop may hold only a few)."""
    api, headers, shop_id = w["api"], w["owner"].headers, w["shop"]["id"]
    for old in api.get(f"/api/v1/shops/{shop_id}/webhooks", headers=headers).json():
        api.delete(f"/api/v1/webhooks/{old['id']}", headers=headers)
    made = api.post(f"/api/v1/shops/{shop_id}/webhooks", json=HOOK, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()["id"]


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shops/{shop_id}/webhooks"): Rule(("owner",), body=lambda w: HOOK),
        ("POST", "/api/v1/agencies/{agency_id}/webhooks"): Rule(("agency_admin",), body=lambda w: HOOK),
        ("PATCH", "/api/v1/webhooks/{webhook_id}"): Rule(("owner",), body=lambda w: {"active": False}),
        ("DELETE", "/api/v1/webhooks/{webhook_id}"): Rule(("owner",)),
        # No delivery of this fresh webhook exists: the owner gets past authorization to the 404.
        ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"): Rule(("owner",), passed=(404,)),
    },
    params={"webhook_id": _webhook, "delivery_id": lambda w: 999_999},
)
