"""A shop's shipping fees: zones of countries with a fee each, the rest of the world (or not shipped there),
free shipping over a parcel total, and the window after a show in which orders still join its parcel.

A shop that set nothing ships everywhere for free, as before zones existed."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, StrictInt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import utcnow
from livestall.errors import Invalid
from livestall.money import MAX_AMOUNT_MINOR
from livestall.orders.parcel_models import DEFAULT_COMBINE_HOURS, ShippingSettings, ShippingZone
from livestall.validation import CountryCode, StrictInput

MAX_ZONES = 20
MAX_COMBINE_HOURS = 24 * 14


class ZoneIn(StrictInput):
    name: str = Field(min_length=1, max_length=60)
    countries: list[CountryCode] = Field(min_length=1, max_length=250)
    fee_minor: StrictInt = Field(ge=0, le=MAX_AMOUNT_MINOR)


class ShippingRulesIn(StrictInput):
    zones: list[ZoneIn] = Field(default_factory=list, max_length=MAX_ZONES)
    rest_of_world_fee_minor: StrictInt | None = Field(
        None, ge=0, le=MAX_AMOUNT_MINOR, description="The fee outside every zone; null: not shipped there")
    free_over_minor: StrictInt | None = Field(
        None, ge=1, le=MAX_AMOUNT_MINOR, description="A parcel whose items total at least this ships free")
    combine_hours: StrictInt = Field(DEFAULT_COMBINE_HOURS, ge=0, le=MAX_COMBINE_HOURS,
                                     description="Hours after a show ends in which orders still join its parcel")


@dataclass(frozen=True)
class Zone:
    name: str
    countries: tuple[str, ...]
    fee_minor: int


@dataclass(frozen=True)
class ShippingRules:
    """What a shop charges to ship a parcel; `configured` False: it set nothing and ships free everywhere."""

    zones: tuple[Zone, ...] = ()
    rest_of_world_fee_minor: int | None = 0
    free_over_minor: int | None = None
    combine_hours: int = DEFAULT_COMBINE_HOURS
    configured: bool = False

    def zone_of(self, country: str) -> Zone | None:
        """The zone a country is in, if any."""
        return next((zone for zone in self.zones if country in zone.countries), None)

    def base_fee(self, country: str, field: str = "country") -> int:
        """The fee to ship a parcel to `country`; Invalid naming `field` when the shop does not ship there."""
        zone = self.zone_of(country)
        if zone is not None:
            return zone.fee_minor
        if self.rest_of_world_fee_minor is None:
            raise Invalid.field(field, "shipped_to_country", f"the shop does not ship to {country}")
        return self.rest_of_world_fee_minor

    def fee(self, country: str, items_minor: int, field: str = "country") -> int:
        """The fee of a parcel to `country` whose items total `items_minor` (0 over the free-shipping threshold)."""
        base = self.base_fee(country, field)
        if self.free_over_minor is not None and items_minor >= self.free_over_minor:
            return 0
        return base

    def as_dict(self) -> dict:
        return {"zones": [{"name": z.name, "countries": list(z.countries), "fee_minor": z.fee_minor}
                          for z in self.zones],
                "rest_of_world_fee_minor": self.rest_of_world_fee_minor, "free_over_minor": self.free_over_minor,
                "combine_hours": self.combine_hours, "configured": self.configured}


async def get_rules(*, session: AsyncSession, shop_id: int) -> ShippingRules:
    """The shop's shipping rules (free everywhere when it set none)."""
    settings = await session.get(ShippingSettings, shop_id)
    if settings is None:
        return ShippingRules()
    zones = await session.scalars(select(ShippingZone).where(ShippingZone.shop_id == shop_id)
                                  .order_by(ShippingZone.position, ShippingZone.id))
    return ShippingRules(tuple(Zone(z.name, tuple(z.countries), z.fee_minor) for z in zones),
                         settings.rest_of_world_fee_minor, settings.free_over_minor, settings.combine_hours, True)


def check_rules(rules_in: ShippingRulesIn) -> None:
    """Invalid, naming the field, when two zones share a name or a country."""
    names: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, zone in enumerate(rules_in.zones):
        if zone.name.casefold() in names:
            raise Invalid.field(f"zones.{i}.name", "unique_zone_name", f"zone {names[zone.name.casefold()] + 1} "
                                "has this name already")
        names[zone.name.casefold()] = i
        for country in zone.countries:
            if country in seen and seen[country] != i:
                raise Invalid.field(f"zones.{i}.countries", "one_zone_per_country",
                                    f"{country} is in zone {seen[country] + 1} already")
            seen[country] = i


async def do_save_rules(*, session: AsyncSession, shop_id: int, rules_in: ShippingRulesIn) -> ShippingRules:
    """Replace the shop's zones and fees with these; parcels already charged keep their fee."""
    check_rules(rules_in)
    settings = await session.get(ShippingSettings, shop_id)
    if settings is None:
        settings = ShippingSettings(shop_id=shop_id)
        session.add(settings)
    settings.rest_of_world_fee_minor = rules_in.rest_of_world_fee_minor
    settings.free_over_minor = rules_in.free_over_minor
    settings.combine_hours = rules_in.combine_hours
    settings.updated_at = utcnow()
    await session.execute(delete(ShippingZone).where(ShippingZone.shop_id == shop_id))
    session.add_all([ShippingZone(shop_id=shop_id, name=zone.name, countries=list(dict.fromkeys(zone.countries)),
                                  fee_minor=zone.fee_minor, position=i) for i, zone in enumerate(rules_in.zones)])
    await session.flush()
    return await get_rules(session=session, shop_id=shop_id)
