"""Buy now, the request side: the Idempotency-Key, the checks on one attempt, and its answer."""

from __future__ import annotations

from livestall.errors import Conflict, Invalid
from livestall.idempotency import fingerprint
from livestall.orders.schemas import BuyIn
from livestall.orders.settle import LIMIT_REACHED, SOLD_OUT, Attempt, Offer, Outcome


def request_hash(show_id: int, buy_in: BuyIn) -> str:
    """What the key was used for: the same key with another request is refused."""
    return fingerprint(show_id, buy_in.model_dump(mode="json"))


def make_attempt(offer: Offer, buyer_id: int, buy_in: BuyIn, key: str, digest: str) -> Attempt:
    """One attempt at the offer, after the checks that need no stock."""
    if buy_in.currency is not None and buy_in.currency != offer.currency:
        raise Invalid.field("currency", "matches_price_currency", f"the price is in {offer.currency}")
    if offer.options:
        if buy_in.option not in offer.options:
            raise Invalid.field("option", "one_of_options", f"must be one of: {', '.join(offer.options)}")
    elif buy_in.option is not None:
        raise Invalid.field("option", "no_options", "this product has no options to choose from")
    if offer.per_buyer_limit is not None and buy_in.quantity > offer.per_buyer_limit:
        raise Conflict.field("quantity", "per_buyer_limit", f"at most {offer.per_buyer_limit} per buyer in this sale")
    return Attempt(offer=offer, buyer_id=buyer_id, quantity=buy_in.quantity, shipping=buy_in.shipping.model_dump(),
                   idempotency_key=key, request_hash=digest, option=buy_in.option)


def refusal(outcome: Outcome, offer: Offer) -> Conflict:
    """The error for an attempt that did not win."""
    if outcome.result == SOLD_OUT:
        left = outcome.units_left
        return Conflict.field("quantity", "in_stock", f"only {left} left" if left else "sold out")
    if outcome.result == LIMIT_REACHED:
        return Conflict.field("quantity", "per_buyer_limit", f"at most {offer.per_buyer_limit} per buyer in this sale")
    return Conflict(f"purchase not made: {outcome.result}")
