"""Who may call the chat write routes."""

from tests.access import AreaRules, Rule

AREA = AreaRules(
    rules={
        ("PUT", "/api/v1/shops/{shop_id}/blocked-words"): Rule(("owner", "staff"), body=lambda w: {"words": ["spam"]}),
    },
)
