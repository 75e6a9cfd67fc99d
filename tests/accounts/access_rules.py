"""Who may call the account write routes."""

from tests.access import LOGGED_IN, ROLES, AreaRules, Rule
from tests.helpers import PASSWORD, unique

AREA = AreaRules(
    rules={
        ("POST", "/api/v1/auth/register"): Rule(ROLES, body=lambda w: {
            "email": f"{unique('r')}@example.com", "password": PASSWORD, "display_name": "R"}),
        ("POST", "/api/v1/auth/login"): Rule(ROLES, body=lambda w: {"email": w["owner"].email, "password": PASSWORD}),
        ("POST", "/api/v1/auth/logout"): Rule(LOGGED_IN),
        ("PATCH", "/api/v1/me"): Rule(LOGGED_IN, body=lambda w: {"display_name": "Me"}),
        ("PUT", "/api/v1/users/{user_id}/roles"): Rule(("operator",), body=lambda w: {"roles": ["host"]}),
        ("PUT", "/api/v1/me/follows/{kind}/{target_id}"): Rule(LOGGED_IN),
        ("DELETE", "/api/v1/me/follows/{kind}/{target_id}"): Rule(LOGGED_IN),
    },
    params={"user_id": lambda w: w["viewer"].id, "kind": lambda w: "shop", "target_id": lambda w: w["shop"]["id"]},
)
