"""Bid steps by price band and the proxy rule: pure arithmetic on integer minor units."""

from __future__ import annotations

from dataclasses import dataclass

# In minor units of a two-decimal currency: under ¥100 bids go up ¥5, under ¥500 ¥10, under ¥2,000 ¥50,
# else ¥100. Each band is [below, step]; the last has no upper bound (None).
DEFAULT_INCREMENTS: list[list[int | None]] = [[10_000, 500], [50_000, 1_000], [200_000, 5_000], [None, 10_000]]


def increment_at(increments: list[list[int | None]], price_minor: int) -> int:
    """The step above `price_minor`: the band the price is in."""
    for below, step in increments:
        if below is None or price_minor < below:
            return int(step)
    return int(increments[-1][1])


def minimum_bid(*, starting_minor: int, price_minor: int, has_leader: bool, increments: list) -> int:
    """The lowest bid that counts now: the starting price before any bid, then the price plus one step."""
    return price_minor + increment_at(increments, price_minor) if has_leader else starting_minor


@dataclass(frozen=True, slots=True)
class Standing:
    """Who leads, at what price, and how far the platform may bid for them."""

    leader_id: int | None
    price_minor: int
    leader_max_minor: int


@dataclass(frozen=True, slots=True)
class Resolved:
    """A bid met the standing: the new standing, and what it means for the bidder (`outcome`)."""

    standing: Standing
    outcome: str  # leading: the bidder leads; outbid: the leader's maximum beat it; raised_max: the leader went higher


def resolve(standing: Standing, *, bidder_id: int, amount_minor: int, max_minor: int, increments: list) -> Resolved:
    """eBay's proxy rule: the price is the second-highest maximum plus one step, capped by the leader's maximum,
    and never below what the leader bid outright. Equal maximums: the earlier one leads."""
    if standing.leader_id is None:
        return Resolved(Standing(bidder_id, amount_minor, max_minor), "leading")
    if standing.leader_id == bidder_id:  # the leader raises their own maximum: the price stays
        return Resolved(Standing(bidder_id, standing.price_minor, max(standing.leader_max_minor, max_minor)),
                        "raised_max")
    if max_minor > standing.leader_max_minor:
        second = standing.leader_max_minor
        price = min(max_minor, second + increment_at(increments, second))
        return Resolved(Standing(bidder_id, max(price, amount_minor), max_minor), "leading")
    # The leader's maximum covers it: the platform bids for the leader, just above the challenger.
    price = min(standing.leader_max_minor, max_minor + increment_at(increments, max_minor))
    return Resolved(Standing(standing.leader_id, max(price, standing.price_minor), standing.leader_max_minor), "outbid")
