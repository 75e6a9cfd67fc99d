"""Shops and products: create, change, list and search; only a shop's members may change it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.accounts.service import get_user_by_email
from livestall.catalog.models import Product, Shop, ShopMember
from livestall.catalog.schemas import ProductCreate, ProductRead, ProductUpdate, ShopCreate, ShopUpdate
from livestall.catalog.variants import variant_read
from livestall.db import get_or_404
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.money import Money, convert


async def get_shop(*, session: AsyncSession, shop_id: int) -> Shop:
    """The shop with this id, or NotFound."""
    return await get_or_404(session, Shop, shop_id)


async def list_shops(*, session: AsyncSession, q: str | None, page: int, per_page: int) -> tuple[list[Shop], int]:
    """Shops whose name or city contains `q`, newest first."""
    query = select(Shop)
    if q:
        needle = q.lower()
        query = query.where(or_(func.lower(Shop.name).contains(needle, autoescape=True),
                                func.lower(Shop.city).contains(needle, autoescape=True)))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Shop.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


def check_seller(user: User) -> None:
    """Only sellers open shops."""
    if not user.has_role("seller"):
        raise Forbidden("needs the seller role to open a shop")


async def do_create_shop(*, session: AsyncSession, owner: User, shop_in: ShopCreate) -> Shop:
    """Open a shop owned by `owner`."""
    shop = Shop(**shop_in.model_dump(), members=[ShopMember(user_id=owner.id, role="owner")])
    session.add(shop)
    await session.flush()
    return shop


def check_shop_member(shop: Shop, user: User, *, owner_only: bool = False) -> None:
    """Owners (and, unless `owner_only`, staff) may change a shop; nobody else."""
    role = shop.member_role(user.id)
    if role is None or (owner_only and role != "owner"):
        raise Forbidden(f"only the shop's {'owners' if owner_only else 'owners and staff'} may do this")


async def do_update_shop(*, session: AsyncSession, shop: Shop, shop_in: ShopUpdate) -> Shop:
    """Change the given fields of a shop (its currency is fixed once products are priced in it)."""
    for name, value in shop_in.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(shop, name, value)
    await session.flush()
    return shop


async def do_add_staff(*, session: AsyncSession, shop: Shop, email: str) -> Shop:
    """Make the user with `email` staff of the shop."""
    user = await get_user_by_email(session=session, email=email)
    if user is None:
        raise Invalid.field("email", "registered_user", "no user with this email")
    if shop.member_role(user.id):
        raise Conflict.field("email", "not_member", "is already a member of this shop")
    shop.members.append(ShopMember(user_id=user.id, role="staff"))
    await session.flush()
    return shop


async def get_product(*, session: AsyncSession, product_id: int) -> Product:
    """The product with this id, or NotFound."""
    return await get_or_404(session, Product, product_id)


async def get_visible_product(*, session: AsyncSession, product_id: int, user: User | None) -> Product:
    """A product that `user` may see: active ones for everybody, all of a shop's for its members."""
    product = await get_product(session=session, product_id=product_id)
    if product.status != "active":
        shop = await get_shop(session=session, shop_id=product.shop_id)
        if user is None or shop.member_role(user.id) is None:
            raise NotFound(f"no product {product_id}")
    return product


def _check_currency(shop: Shop, currency: str | None) -> None:
    if currency is not None and currency != shop.currency:
        raise Invalid.field("currency", "matches_shop_currency", f"must be the shop's currency {shop.currency}")


async def _check_sku_free(session: AsyncSession, shop_id: int, sku: str, product_id: int | None = None) -> None:
    query = select(Product.id).where(Product.shop_id == shop_id, Product.sku == sku)
    if product_id is not None:
        query = query.where(Product.id != product_id)
    if await session.scalar(query):
        raise Conflict.field("sku", "unique_in_shop", f"{sku!r} is already used in this shop")


async def do_create_product(*, session: AsyncSession, shop: Shop, product_in: ProductCreate) -> Product:
    """Add a product to a shop, priced in the shop's currency."""
    _check_currency(shop, product_in.currency)
    await _check_sku_free(session, shop.id, product_in.sku)
    product = Product(shop_id=shop.id, **product_in.model_dump(exclude={"currency"}), currency=shop.currency,
                      images=[], variants=[], option_axes=[])
    session.add(product)
    await session.flush()
    return product


async def do_update_product(*, session: AsyncSession, shop: Shop, product: Product,
                            product_in: ProductUpdate) -> Product:
    """Change the given fields of a product."""
    changes = product_in.model_dump(exclude_unset=True)
    _check_currency(shop, changes.pop("currency", None))
    if changes.get("stock") is not None and product.variants and changes["stock"] != product.stock:
        raise Conflict.field("stock", "set_on_variants", "is the sum of the variants' stock: change theirs")
    if changes.get("sku"):
        await _check_sku_free(session, shop.id, changes["sku"], product.id)
    for name, value in changes.items():
        if value is not None:
            setattr(product, name, value)
    await session.flush()
    await session.refresh(product)
    return product


async def list_products(
    *, session: AsyncSession, q: str | None = None, shop_id: int | None = None, category: str | None = None,
    statuses: tuple[str, ...] = ("active",), page: int = 1, per_page: int = 20,
) -> tuple[list[Product], int]:
    """Products matching the filters and the text `q` (title, description, SKU), newest first."""
    query = select(Product).where(Product.status.in_(statuses))
    if shop_id is not None:
        query = query.where(Product.shop_id == shop_id)
    if category:
        query = query.where(Product.category == category)
    if q:
        needle = q.lower()
        query = query.where(or_(
            func.lower(Product.title).contains(needle, autoescape=True),
            func.lower(Product.description).contains(needle, autoescape=True),
            func.lower(Product.sku).contains(needle, autoescape=True),
        ))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Product.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


def product_read(product: Product, display_currency: str | None, fx_per_usd: dict[str, Decimal]) -> ProductRead:
    """The API view of a product, with its price also shown in `display_currency`."""
    price = Money(product.price_minor, product.currency)
    shown = convert(price, display_currency, fx_per_usd) if display_currency else None
    return ProductRead(
        id=product.id, shop_id=product.shop_id, title=product.title, description=product.description,
        category=product.category, sku=product.sku, price=price.as_dict(),
        display_price=shown.as_dict() if shown else None, stock=product.stock, status=product.status,
        options=product.options or [], option_axes=product.option_axes or [],
        variants=[variant_read(product, v) for v in product.variants], images=product.images, created_at=product.created_at,
        updated_at=product.updated_at,
    )
