"""Buy now, the request side: the Idempotency-Key, the checks on one attempt, and its answer."""

from __future__ import annotations

from livestall.errors import Conflict, Invalid
from livestall.idempotency import fingerprint
from livestall.orders.schemas import BuyIn
from livestall.orders.settle import LIMIT_REACHED, SOLD_OUT, Attempt, Offer, Outcome, VariantChoice


def request_hash(show_id: int, buy_in: BuyIn) -> str:
    """What the key was used for: the same key with another request is refused."""
    return fingerprint(show_id, request_body(buy_in))


def request_body(buy_in: BuyIn) -> dict:
    """The request as fingerprinted: a variant unasked for leaves the fingerprint as it was before variants."""
    body = buy_in.model_dump(mode="json")
    for name in ("variant_id", "options"):
        if body.get(name) is None:
            body.pop(name, None)
    return body


def pick_variant(offer: Offer, buy_in: BuyIn) -> Offer:
    """The offer of the variant the buyer chose (by id, by its values, or by its one value); Invalid naming
    the rule when none or no such variant is chosen, or the product has none."""
    if not offer.variants:
        if buy_in.variant_id is not None:
            raise Invalid.field("variant_id", "no_variants", "this product has no variants to choose from")
        if buy_in.options is not None:
            raise Invalid.field("options", "no_variants", "this product has no variants to choose from")
        return offer
    if buy_in.variant_id is not None:
        choice = next((c for c in offer.variants if c.id == buy_in.variant_id), None)
        if choice is None:
            raise Invalid.field("variant_id", "variant_of_product", f"{buy_in.variant_id} is not a variant of this "
                                                                    "product")
        return offer.of_variant(choice)
    if buy_in.options is not None:
        return offer.of_variant(_by_values(offer, buy_in.options))
    if buy_in.option is not None and len(offer.axes) == 1:  # a client from before variants: its one value
        return offer.of_variant(_by_values(offer, {offer.axes[0]: buy_in.option}))
    raise Invalid.field("variant_id", "variant_required",
                        f"choose a variant ({', '.join(offer.axes)}): this product comes in several")


def _by_values(offer: Offer, options: dict[str, str]) -> VariantChoice:
    axes = {axis.casefold(): i for i, axis in enumerate(offer.axes)}
    values: list[str | None] = [None] * len(offer.axes)
    for name, value in options.items():
        if name.strip().casefold() not in axes:
            raise Invalid.field("options", "known_axis", f"{name!r} is not an axis of this product "
                                                         f"({', '.join(offer.axes)})")
        values[axes[name.strip().casefold()]] = value.strip().casefold()
    missing = [axis for axis, value in zip(offer.axes, values) if value is None]
    if missing:
        raise Invalid.field("options", "all_axes", f"give a value for {', '.join(missing)}")
    for choice in offer.variants:
        if [v.casefold() for v in choice.values] == values:
            return choice
    raise Invalid.field("options", "existing_combination", "this product does not come in "
                                                           f"{' / '.join(options.values())}")


def make_attempt(offer: Offer, buyer_id: int, buy_in: BuyIn, key: str, digest: str) -> Attempt:
    """One attempt at the offer, after the checks that need no stock."""
    if buy_in.currency is not None and buy_in.currency != offer.currency:
        raise Invalid.field("currency", "matches_price_currency", f"the price is in {offer.currency}")
    offer = pick_variant(offer, buy_in)
    if offer.variant_id is not None:
        option = next(c.label for c in offer.variants if c.id == offer.variant_id)[:40]
    elif offer.options:
        if buy_in.option not in offer.options:
            raise Invalid.field("option", "one_of_options", f"must be one of: {', '.join(offer.options)}")
        option = buy_in.option
    elif buy_in.option is not None:
        raise Invalid.field("option", "no_options", "this product has no options to choose from")
    else:
        option = None
    if offer.per_buyer_limit is not None and buy_in.quantity > offer.per_buyer_limit:
        raise Conflict.field("quantity", "per_buyer_limit", f"at most {offer.per_buyer_limit} per buyer in this sale")
    return Attempt(offer=offer, buyer_id=buyer_id, quantity=buy_in.quantity, shipping=buy_in.shipping.model_dump(),
                   idempotency_key=key, request_hash=digest, option=option)


def refusal(outcome: Outcome, offer: Offer) -> Conflict:
    """The error for an attempt that did not win."""
    if outcome.result == SOLD_OUT:
        left = outcome.units_left
        return Conflict.field("quantity", "in_stock", f"only {left} left" if left else "sold out")
    if outcome.result == LIMIT_REACHED:
        return Conflict.field("quantity", "per_buyer_limit", f"at most {offer.per_buyer_limit} per buyer in this sale")
    return Conflict(f"purchase not made: {outcome.result}")
