"""Who may call the notification write routes and post the notification pages' forms."""

from tests.access import LOGGED_IN, AreaRules, Rule
from tests.helpers import unique

CHANNELS = {"in_app": True, "push": False, "email": False}

AREA = AreaRules(
    rules={
        ("POST", "/api/v1/me/notifications/read"): Rule(LOGGED_IN, body=lambda w: {}),
        # user_id is the viewer's (tests/accounts): only they may change their own settings
        ("PUT", "/api/v1/users/{user_id}/notification-settings"): Rule(("viewer",), body=lambda w: {
            "go_live": CHANNELS}),
        ("POST", "/api/v1/me/push-subscriptions"): Rule(LOGGED_IN, body=lambda w: {
            "endpoint": f"https://93.184.216.34/push/{unique('s')}", "keys": {"p256dh": "BCk", "auth": "x1"}}),
        ("DELETE", "/api/v1/me/push-subscriptions"): Rule(LOGGED_IN),
        ("POST", "/notifications/read"): Rule(LOGGED_IN, body=lambda w: {}),
        ("POST", "/notifications/settings"): Rule(LOGGED_IN, body=lambda w: {"on": ["go_live.in_app"]}),
    },
)
