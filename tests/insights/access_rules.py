"""Who may call the insights write routes."""

from tests.access import AreaRules, Rule

AREA = AreaRules(
    rules={
        ("POST", "/api/v1/insights/refresh"): Rule(("operator",)),
    },
)
