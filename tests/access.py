"""Access rules for the authorization audit: each area lists its write routes in tests/<area>/access_rules.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "viewer", "seller", "host", "agency_admin", "operator", "owner", "staff")
LOGGED_IN = tuple(r for r in ROLES if r != "anonymous")


@dataclass(frozen=True)
class Rule:
    """Who may call one write route, and how to make a valid call of it.

    `allowed` roles must succeed (< 400); every other role must get 401 (anonymous) or 403.
    `body(world)` builds the JSON body; `image` sends a PNG as the multipart field `file`;
    `prepare(world, path)` runs before the call (as the shop owner), e.g. to start a show first.
    `headers(world)` adds request headers (e.g. a fresh Idempotency-Key). `passed` lists statuses that
    still show an allowed role got past authorization when this test server cannot finish the call
    (e.g. 422 for a payment provider it is not configured with).
    The roles: "owner" and "staff" run the world's shop, "seller" and "host" are unrelated users
    who hold those roles, "viewer" holds no other role.
    """

    allowed: tuple[str, ...]
    body: Callable[[dict], dict] | None = None
    image: bool = False
    prepare: Callable[[dict, str], None] | None = None
    headers: Callable[[dict], dict] | None = None
    passed: tuple[int, ...] = ()


@dataclass
class AreaRules:
    """An area's rules, and how to make fresh objects for the placeholders its paths use."""

    rules: dict[tuple[str, str], Rule]
    # placeholder name -> function(world) giving a fresh id owned by the world's shop/owner
    params: dict[str, Callable[[dict], int]] = field(default_factory=dict)
