"""The room part for the shelf: the show's pinned products in the join snapshot."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.errors import input_problem
from livestall.idempotency import check_idempotency_key
from livestall.orders.addresses import get_default_shipping
from livestall.orders.buying import BuyingDesk
from livestall.orders.schemas import BuyIn
from livestall.orders.shelf import get_shelf_view
from livestall.shows.models import Show


def keep_pins(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `pin.changed` applied to the kept join state: the shelf as the event gives it."""
    state["shelf"] = [dict(item) for item in data["items"]]  # copies: later keeps change them, not the event


def keep_units(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `sale.made` or `stock.changed` applied to the kept shelf: the units left of the product or its flash sale."""
    _set_units_left(state, data, data["units_left"])


def keep_sold_out(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `product.sold_out` applied to the kept shelf."""
    _set_units_left(state, data, 0)


def _set_units_left(state: dict[str, Any], data: dict[str, Any], left: int) -> None:
    flash_sale_id = data.get("flash_sale_id")
    for index, item in enumerate(state["shelf"]):
        if item["product_id"] != data["product_id"]:
            continue
        flash = item.get("flash_sale")
        if data.get("variant_id") is not None:
            item = _with_variant_units(item, data["variant_id"], flash_sale_id, left)
        if flash_sale_id is not None:
            if flash is not None and flash["id"] == flash_sale_id:
                item = {**item, "flash_sale": {**flash, "units_left": left}}
        elif data.get("variant_id") is None:
            item = {**item, "stock": left}
        state["shelf"][index] = item


def _with_variant_units(item: dict[str, Any], variant_id: int, flash_sale_id: int | None, left: int) -> dict[str, Any]:
    """The item with one variant's units left (its stock, or its flash sale's), the product's total the sum."""
    variants = []
    for variant in item.get("variants") or []:
        if variant["id"] == variant_id:
            flash = variant.get("flash_sale")
            if flash_sale_id is None:
                variant = {**variant, "stock": left}
            elif flash is not None and flash["id"] == flash_sale_id:
                variant = {**variant, "flash_sale": {**flash, "units_left": left}}
        variants.append(variant)
    return {**item, "variants": variants, "stock": sum(v["stock"] for v in variants)}


class BuyPart:
    """`buy`: buy now over the room socket, through the same flow (and the same idempotency) as HTTP."""

    name = "buy"

    def __init__(self, buying: BuyingDesk | None) -> None:
        self.buying = buying
        self.frames = {"buy": self.buy}
        self.taps = ("buy",)  # a flash sale opening is thousands of these in a second

    async def buy(self, ctx) -> dict[str, Any]:
        frame = ctx.frame
        key = check_idempotency_key(frame.get("key") if isinstance(frame.get("key"), str) else None, field="key")
        body = {k: v for k, v in frame.items() if k not in ("v", "id", "type", "key")}
        defaulted = "shipping" not in body
        if defaulted:  # the buyer's default address; with an empty book the frame is refused
            async with ctx.sessionmaker() as session:
                default = await get_default_shipping(session=session, user_id=ctx.principal.id)
            if default is not None:
                body["shipping"] = default
        try:
            buy_in = BuyIn.model_validate(body)
        except ValidationError as exc:
            raise input_problem(exc) from None
        # A retry of a tap that shipped to the default address is the same request even if the default changed since.
        asked = buy_in.model_copy(update={"shipping": None}) if defaulted else None
        bought = await self.buying.buy_now(ctx.principal.id, ctx.show_id, buy_in, key, asked=asked)
        return {"order": bought.order.model_dump(mode="json"), "replayed": bought.replayed}


class ShelfPart:
    """The pinned products, priced for the room; the room's selling events keep the joiners' copy current."""

    name = "shelf"
    keeps = {"pin.changed": keep_pins, "sale.made": keep_units, "stock.changed": keep_units,
             "product.sold_out": keep_sold_out}

    def __init__(self, fx_per_usd: dict[str, float]) -> None:
        self.fx_per_usd = fx_per_usd

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        return {"shelf": await get_shelf_view(session=session, show_id=show.id, fx_per_usd=self.fx_per_usd)}
