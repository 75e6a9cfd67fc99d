"""The demo world, taken from the product's story; loading it twice changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts import passwords
from livestall.accounts import service as accounts
from livestall.accounts.models import User, UserRole
from livestall.accounts.schemas import UserCreate
from livestall.agency.demo import ensure_agency
from livestall.auctions.demo import ensure_auction
from livestall.catalog.demo_variants import ensure_cardigan_variants
from livestall.catalog.models import Product, Shop, ShopMember
from livestall.db import make_engine, make_sessionmaker, utcnow
from livestall.festivals.demo import ensure_festival
from livestall.giveaways.demo import ensure_giveaways
from livestall.ledger.flows import post_topup
from livestall.ledger.service import transfer_exists
from livestall.orders.demo import ensure_addresses
from livestall.orders.demo_shipping import ensure_demo_shipping
from livestall.shows.models import HostInvitation, Show
from livestall.settings import Settings

DEMO_PASSWORD = "Livestall-demo-2026"
# What each demo viewer finds in their wallet, in the demo shops' currency: enough for several purchases.
VIEWER_WALLET = (200_000, "CNY")  # CNY 2,000.00

# email, display name, roles, language, country, currency, who they are
PEOPLE = [
    ("operator@demo.livestall.org", "Platform Operator", ["operator"], "en", "CN", "CNY",
     "runs the platform and its festivals"),
    ("mei@demo.livestall.org", "Li Mei", ["seller", "host"], "zh", "CN", "CNY",
     "owns Mei's Wardrobe, a small clothes shop in Tianshui, Gansu"),
    ("chen@demo.livestall.org", "Chen Hua", ["seller", "host"], "zh", "CN", "CNY",
     "pearl farmer, opens oysters on camera"),
    ("sun@demo.livestall.org", "Sun Yue", ["seller"], "zh", "CN", "CNY",
     "brand manager of Jade Peak Outdoor, prices in CNY"),
    ("zhao@demo.livestall.org", "Zhao Lei", ["agency_admin"], "zh", "CN", "CNY",
     "runs Silk Road Talent, a host agency in Beijing"),
    ("lucia@demo.livestall.org", "Lucía Fernández", ["host"], "es", "ES", "EUR",
     "agency host for the Spanish market"),
    ("camille@demo.livestall.org", "Camille Dubois", ["host"], "fr", "FR", "EUR",
     "agency host for the French market"),
    ("james@demo.livestall.org", "James Carter", ["host"], "en", "GB", "GBP",
     "agency host for the English market"),
    ("wang@demo.livestall.org", "Wang Fang", ["viewer"], "zh", "CN", "CNY", "viewer in Shanghai"),
    ("liu@demo.livestall.org", "Liu Yang", ["viewer"], "zh", "CN", "CNY", "viewer in Lanzhou"),
    ("zhang@demo.livestall.org", "Zhang Min", ["viewer"], "zh", "CN", "CNY", "viewer in Xi'an"),
    ("sofia@demo.livestall.org", "Sofía García", ["viewer"], "es", "ES", "EUR", "viewer in Madrid"),
    ("pierre@demo.livestall.org", "Pierre Martin", ["viewer"], "fr", "FR", "EUR", "viewer in Lyon"),
    ("emily@demo.livestall.org", "Emily Brown", ["viewer"], "en", "US", "USD", "viewer in Chicago"),
    ("layla@demo.livestall.org", "Layla Haddad", ["viewer"], "ar", "SA", "SAR", "viewer in Riyadh"),
]

# owner email, shop name, city, description, [(sku, title, category, price in fen, stock, description)]
SHOPS = [
    ("mei@demo.livestall.org", "Mei's Wardrobe", "Tianshui",
     "Hand-picked clothes from a small shop in Tianshui, Gansu. Live every evening at eight.", [
         ("MW-SCARF-01", "Hand-knitted wool scarf", "scarves", 12800, 40, "Soft Gansu wool, knitted by hand."),
         ("MW-QIPAO-02", "Linen qipao dress", "dresses", 39900, 12, "Breathable linen, modern cut."),
         ("MW-CARD-03", "Yak wool cardigan", "knitwear", 58800, 8, "Warm yak wool from the Gannan plateau."),
         ("MW-BLOUSE-04", "Embroidered cotton blouse", "tops", 16900, 25, "Longdong embroidery on cotton."),
     ]),
    ("chen@demo.livestall.org", "Zhuji Pearl Farm", "Zhuji",
     "Freshwater pearls from our own ponds. Pay for an oyster, watch it opened live: the pearls are yours.", [
         ("ZP-OYSTER", "Freshwater oyster, opened live", "pearls", 3900, 200, "Every oyster holds pearls."),
         ("ZP-STUDS", "Setting: pearl stud earrings", "jewellery", 9900, 50, "Your pearls set in silver studs."),
         ("ZP-PENDANT", "Setting: pearl pendant", "jewellery", 15900, 30, "Your pearl on a silver chain."),
     ]),
    ("sun@demo.livestall.org", "Jade Peak Outdoor", "Hangzhou",
     "Outdoor gear designed in Hangzhou, sold worldwide by our hosts.", [
         ("JP-DOWN-700", "700-fill down jacket", "outerwear", 89900, 150, "Light, warm, packs into its pocket."),
         ("JP-PACK-40", "40 L trekking backpack", "bags", 45900, 90, "Ventilated back, rain cover included."),
         ("JP-GLOVE-TH", "Thermal touchscreen gloves", "accessories", 12900, 300, "Warm fingers, working phone."),
     ]),
]


# shop name, host email, title, language, market, category, hours from now (0 = live now)
SHOWS = [
    ("Mei's Wardrobe", "mei@demo.livestall.org", "Hand-knitted wool, live from Tianshui", "zh", "CN", "clothes", 0),
    ("Zhuji Pearl Farm", "chen@demo.livestall.org", "Oyster opening night: your pearls, opened live", "zh", "CN",
     "pearls", 2),
    ("Jade Peak Outdoor", "lucia@demo.livestall.org", "Chaquetas de plumón: ofertas de invierno", "es", "ES",
     "outdoor", 24),
    ("Jade Peak Outdoor", "camille@demo.livestall.org", "Doudounes Jade Peak en direct", "fr", "FR", "outdoor", 48),
    ("Jade Peak Outdoor", "james@demo.livestall.org", "Trekking gear, live from Hangzhou", "en", "GB", "outdoor", 72),
]
# The show that is live now; with LIVESTALL_DEMO_LIVE the app gives it a camera, a shelf, sales and chat (demo_live/).
LIVE_SHOW = next(row for row in SHOWS if row[-1] == 0)


@asynccontextmanager
async def session_scope(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on its own engine, committed at the end (for the CLI); passwords at the settings' cost."""
    passwords.configure(settings)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            yield session
            await session.commit()
    finally:
        await engine.dispose()


async def ensure_user(session: AsyncSession, *, email: str, password: str, display_name: str, roles: list[str],
                      language: str = "en", country: str | None = None, currency: str = "CNY") -> User:
    """The user with `email`, created if missing, holding at least `roles`."""
    user = await accounts.get_user_by_email(session=session, email=email)
    if user is None:
        user = await accounts.register(session=session, user_in=UserCreate(
            email=email, password=password, display_name=display_name, language=language, country=country,
            currency=currency, roles=["viewer"],
        ))
    for role in set(roles) - set(user.roles):
        user.role_rows.append(UserRole(role=role))
    await session.flush()
    return user


async def ensure_shop(session: AsyncSession, *, owner: User, name: str, city: str, description: str) -> Shop:
    """The owner's shop called `name`, created if missing."""
    shop = await session.scalar(
        select(Shop).join(ShopMember).where(Shop.name == name, ShopMember.user_id == owner.id)
    )
    if shop is None:
        shop = Shop(name=name, city=city, country="CN", currency="CNY", description=description,
                    members=[ShopMember(user_id=owner.id, role="owner")])
        session.add(shop)
        await session.flush()
    return shop


async def load_demo(settings: Settings) -> dict:
    """Create whatever of the demo world is missing; return the logins to print."""
    async with session_scope(settings) as session:
        users = {}
        for email, name, roles, language, country, currency, _ in PEOPLE:
            users[email] = await ensure_user(session, email=email, password=DEMO_PASSWORD, display_name=name,
                                             roles=roles, language=language, country=country, currency=currency)
        for owner_email, shop_name, city, description, products in SHOPS:
            shop = await ensure_shop(session, owner=users[owner_email], name=shop_name, city=city,
                                     description=description)
            for sku, title, category, price, stock, text in products:
                exists = await session.scalar(select(Product.id).where(Product.shop_id == shop.id, Product.sku == sku))
                if not exists:
                    session.add(Product(shop_id=shop.id, sku=sku, title=title, category=category, price_minor=price,
                                        currency="CNY", stock=stock, status="active", description=text))
        await session.flush()
        await ensure_cardigan_variants(session)
        await ensure_shows(session, users)
        await ensure_wallets(session, [users[email] for email, _, roles, *_ in PEOPLE if roles == ["viewer"]],
                             operator=users["operator@demo.livestall.org"])
        await ensure_addresses(session, users)
        await ensure_demo_shipping(session)
        await ensure_agency(session, users)
        await ensure_festival(session, users)
        await ensure_auction(session, users)
        await ensure_giveaways(session, users)
        rows = [{"email": email, "roles": ",".join(users[email].roles), "who": who}
                for email, _, _, _, _, _, who in PEOPLE]
    return {"password": DEMO_PASSWORD, "users": rows}


async def ensure_wallets(session: AsyncSession, viewers: list[User], *, operator: User) -> None:
    """Each viewer's wallet topped up once by the operator (the reference names the user: a second load adds none)."""
    amount_minor, currency = VIEWER_WALLET
    for viewer in viewers:
        reference = f"demo-topup:{viewer.id}"
        if not await transfer_exists(session, reference):
            await post_topup(session, user_id=viewer.id, amount_minor=amount_minor, currency=currency,
                             source="operator", reference=reference, memo="demo wallet", created_by_id=operator.id)


async def ensure_shows(session: AsyncSession, users: dict[str, User]) -> None:
    """One show live now and a few coming up, each created once (matched by shop and title)."""
    now = utcnow()
    for shop_name, host_email, title, language, market, category, hours in SHOWS:
        shop = await session.scalar(select(Shop).where(Shop.name == shop_name))
        if await session.scalar(select(Show.id).where(Show.shop_id == shop.id, Show.title == title)):
            continue
        owner_id = shop.members[0].user_id
        show = Show(shop_id=shop.id, host_id=users[host_email].id, created_by_id=owner_id, title=title,
                    language=language, market=market, category=category,
                    scheduled_at=now + timedelta(hours=hours), status="live" if hours == 0 else "scheduled")
        if hours == 0:
            show.started_at = now
        session.add(show)
        if shop.member_role(show.host_id) is None:
            # A host from outside the shop hosts only after saying yes: the demo's hosts already have.
            await session.flush()
            session.add(HostInvitation(show_id=show.id, user_id=show.host_id, invited_by_id=owner_id,
                                       stand_in_id=owner_id, status="accepted", created_at=now, answered_at=now))
