"""Address books: each buyer's saved shipping addresses, one of them the default that buying uses."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import Boolean, ForeignKey, Index, String, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from livestall.accounts.models import User
from livestall.db import Base, UTCDateTime, utcnow
from livestall.errors import Conflict, NotFound
from livestall.orders.schemas import ShippingAddress

MAX_ADDRESSES = 20  # a household, a workplace, family: more is a list no one picks from
FIELDS = tuple(ShippingAddress.model_fields)  # name, line1, line2, city, region, postal_code, country, phone


class SavedAddress(Base):
    """One address of a buyer's book; at most one per buyer is the default (a partial unique index says so)."""

    __tablename__ = "shipping_addresses"
    __table_args__ = (
        Index("ix_shipping_addresses_one_default", "user_id", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(80), default="")
    postal_code: Mapped[str] = mapped_column(String(12))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(20), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def shipping(self) -> dict:
        """The address as an order's `shipping` holds it."""
        return {name: getattr(self, name) for name in FIELDS}


class AddressIn(ShippingAddress):
    """An address to add or to put in place of one; `make_default` makes it the one buying uses."""

    make_default: StrictBool = Field(False, description="Make it the default address (the first one always is)")


class AddressRead(BaseModel):
    id: int
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_default: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, address: SavedAddress) -> "AddressRead":
        return cls(id=address.id, is_default=address.is_default, created_at=address.created_at,
                   updated_at=address.updated_at, **address.shipping())


class AddressList(BaseModel):
    items: list[AddressRead]


async def list_addresses(*, session: AsyncSession, user: User) -> list[SavedAddress]:
    """The user's addresses, the default first, then the newest."""
    rows = await session.scalars(select(SavedAddress).where(SavedAddress.user_id == user.id)
                                 .order_by(SavedAddress.is_default.desc(), SavedAddress.id.desc()))
    return list(rows)


async def get_address(*, session: AsyncSession, user: User, address_id: int) -> SavedAddress:
    """The user's address with this id; another user's is NotFound, as if it did not exist."""
    address = await session.get(SavedAddress, address_id)
    if address is None or address.user_id != user.id:
        raise NotFound(f"no address {address_id}")
    return address


async def get_default_shipping(*, session: AsyncSession, user_id: int) -> dict | None:
    """The user's default address as an order's `shipping`, or None when the book is empty."""
    address = await session.scalar(select(SavedAddress).where(SavedAddress.user_id == user_id,
                                                              SavedAddress.is_default.is_(True)))
    return address.shipping() if address else None


async def users_with_default_shipping(session: AsyncSession, user_ids: set[int]) -> set[int]:
    """Which of these users have a default address, in one query."""
    if not user_ids:
        return set()
    return set(await session.scalars(select(SavedAddress.user_id).where(SavedAddress.user_id.in_(user_ids),
                                                                        SavedAddress.is_default.is_(True))))


async def do_add_address(*, session: AsyncSession, user: User, address_in: AddressIn) -> SavedAddress:
    """Add an address to the user's book; the first one, or one asked to be, becomes the default."""
    count = await session.scalar(select(func.count()).where(SavedAddress.user_id == user.id)) or 0
    if count >= MAX_ADDRESSES:
        raise Conflict.field("addresses", "max_addresses", f"an address book holds at most {MAX_ADDRESSES} addresses")
    now = utcnow()
    address = SavedAddress(user_id=user.id, is_default=False, created_at=now, updated_at=now,
                           **address_in.model_dump(include=set(FIELDS)))
    session.add(address)
    await session.flush()
    if count == 0 or address_in.make_default:
        await _set_default(session, user, address)
    return address


async def do_edit_address(*, session: AsyncSession, user: User, address: SavedAddress,
                          address_in: AddressIn) -> SavedAddress:
    """Put `address_in` in place of the address (orders already made keep the address they were sent to)."""
    for name, value in address_in.model_dump(include=set(FIELDS)).items():
        setattr(address, name, value)
    address.updated_at = utcnow()
    await session.flush()
    if address_in.make_default and not address.is_default:
        await _set_default(session, user, address)
    return address


async def do_make_default(*, session: AsyncSession, user: User, address: SavedAddress) -> SavedAddress:
    """Make the address the one buying uses."""
    if not address.is_default:
        await _set_default(session, user, address)
    return address


async def do_delete_address(*, session: AsyncSession, user: User, address: SavedAddress) -> None:
    """Delete the address; when it was the default, the newest one left takes its place."""
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        newest = await session.scalar(select(SavedAddress).where(SavedAddress.user_id == user.id)
                                      .order_by(SavedAddress.id.desc()).limit(1))
        if newest is not None:
            await _set_default(session, user, newest)


async def _set_default(session: AsyncSession, user: User, address: SavedAddress) -> None:
    # Two statements, the old default cleared first: the unique index is checked row by row. A second change
    # racing this one breaks the index and gets Conflict: the book never holds two defaults.
    try:
        async with session.begin_nested():
            await session.execute(update(SavedAddress).where(SavedAddress.user_id == user.id,
                                                             SavedAddress.is_default.is_(True),
                                                             SavedAddress.id != address.id)
                                  .values(is_default=False))
            await session.execute(update(SavedAddress).where(SavedAddress.id == address.id).values(is_default=True))
    except IntegrityError:
        raise Conflict.field("is_default", "one_default", "another change of the default address came first; "
                             "try again") from None
    await session.refresh(address)
