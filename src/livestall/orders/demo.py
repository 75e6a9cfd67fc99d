"""The demo viewers' address books: one default address each, so that their first tap buys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.orders.addresses import SavedAddress

# email -> the viewer's home (line2 and region may be empty)
HOMES = {
    "wang@demo.livestall.org": dict(line1="88 Nanjing Road", line2="Flat 1203", city="Shanghai", region="Shanghai",
                                    postal_code="200001", country="CN", phone="+86 21 5555 0101"),
    "liu@demo.livestall.org": dict(line1="12 Zhongshan Road", line2="", city="Lanzhou", region="Gansu",
                                   postal_code="730030", country="CN", phone="+86 931 555 0102"),
    "zhang@demo.livestall.org": dict(line1="6 South Street", line2="Unit 3", city="Xi'an", region="Shaanxi",
                                     postal_code="710001", country="CN", phone="+86 29 5555 0103"),
    "sofia@demo.livestall.org": dict(line1="Calle Mayor 12", line2="3º B", city="Madrid", region="Madrid",
                                     postal_code="28013", country="ES", phone="+34 600 555 104"),
    "pierre@demo.livestall.org": dict(line1="14 rue de la République", line2="", city="Lyon", region="Rhône",
                                      postal_code="69002", country="FR", phone="+33 6 55 50 01 05"),
    "emily@demo.livestall.org": dict(line1="233 South Wacker Drive", line2="Apt 41", city="Chicago", region="IL",
                                     postal_code="60606", country="US", phone="+1 312 555 0106"),
    "layla@demo.livestall.org": dict(line1="King Fahd Road 7", line2="", city="Riyadh", region="Riyadh",
                                     postal_code="12211", country="SA", phone="+966 11 555 0107"),
}


async def ensure_addresses(session: AsyncSession, users: dict[str, User]) -> None:
    """Each demo viewer's home as their default address, added once."""
    for email, home in HOMES.items():
        user = users[email]
        if await session.scalar(select(SavedAddress.id).where(SavedAddress.user_id == user.id).limit(1)):
            continue
        session.add(SavedAddress(user_id=user.id, name=user.display_name, is_default=True, **home))
    await session.flush()
