"""A product's option axes and variants: each combination of values with its own stock, price and image.

The product's `stock` stays the sum of its variants' stock: every change here moves both in the same
transaction, the variant row first and then the product (the order buyers lock them in too).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product, ProductVariant
from livestall.catalog.schemas import MAX_AXES, VariantCreate, VariantRead, VariantUpdate
from livestall.errors import Conflict, Invalid, NotFound

PRODUCTS = Product.__table__
VARIANTS = ProductVariant.__table__
MAX_VARIANTS = 100
OPTION_COLUMNS = ("option1", "option2", "option3")


def variant_options(product: Product, variant: ProductVariant) -> dict[str, str]:
    """The variant's value on each of the product's axes, by axis name."""
    return {axis: value for axis, value in zip(product.option_axes or [], variant.values)}


def variant_read(product: Product, variant: ProductVariant) -> VariantRead:
    """The API view of a variant."""
    return VariantRead(id=variant.id, product_id=variant.product_id, sku=variant.sku,
                       options=variant_options(product, variant), label=variant.label, stock=variant.stock,
                       price_minor=variant.price_minor, image_id=variant.image_id, position=variant.position)


async def get_variant(*, session: AsyncSession, product: Product, variant_id: int) -> ProductVariant:
    """The product's variant with this id, or NotFound."""
    variant = await session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id:
        raise NotFound(f"no variant {variant_id} of product {product.id}")
    return variant


async def do_set_axes(*, session: AsyncSession, product: Product, axes: list[str]) -> Product:
    """Name the product's option axes; with variants, axes may be renamed but not added or removed."""
    if len(axes) > MAX_AXES:
        raise Invalid.field("option_axes", "max_axes", f"at most {MAX_AXES} axes")
    if len({a.casefold() for a in axes}) != len(axes):
        raise Invalid.field("option_axes", "unique", "names an axis twice")
    if product.variants and len(axes) != len(product.option_axes or []):
        raise Conflict.field("option_axes", "same_count_with_variants",
                             f"the variants have {len(product.option_axes or [])} axes: remove them first "
                             "to add or remove an axis")
    product.option_axes = list(axes)
    await session.flush()
    return product


def _values(product: Product, options: dict[str, str]) -> list[str]:
    """The option values in axis order; Invalid naming the rule for an unknown or missing axis."""
    axes = product.option_axes or []
    if not axes:
        raise Invalid.field("option_axes", "axes_first", "name the product's option axes before adding variants")
    by_name = {axis.casefold(): axis for axis in axes}
    given: dict[str, str] = {}
    for name, value in options.items():
        axis = by_name.get(name.strip().casefold())
        if axis is None:
            raise Invalid.field("options", "known_axis", f"{name!r} is not an axis of this product "
                                                         f"({', '.join(axes)})")
        given[axis] = value
    missing = [axis for axis in axes if axis not in given]
    if missing:
        raise Invalid.field("options", "all_axes", f"give a value for {', '.join(missing)}")
    return [given[axis] for axis in axes]


def _check_combination_free(product: Product, values: list[str]) -> None:
    wanted = [v.casefold() for v in values]
    for other in product.variants:
        if [v.casefold() for v in other.values] == wanted:
            raise Conflict.field("options", "unique_combination",
                                 f"{' / '.join(values)} is already variant {other.id} ({other.sku})")


def _check_sku_free(product: Product, sku: str, variant_id: int | None = None) -> None:
    if any(v.sku == sku and v.id != variant_id for v in product.variants):
        raise Conflict.field("sku", "unique_in_product", f"{sku!r} is already used by a variant of this product")


def _check_image(product: Product, image_id: int | None) -> None:
    if image_id is not None and all(image.id != image_id for image in product.images):
        raise Invalid.field("image_id", "image_of_product", f"{image_id} is not an image of this product")


def _new_sku(product: Product) -> str:
    taken = {v.sku for v in product.variants}
    n = len(product.variants) + 1
    while f"{product.sku}-{n}"[:64] in taken:
        n += 1
    return f"{product.sku}-{n}"[:64]


async def do_add_variant(*, session: AsyncSession, product: Product, variant_in: VariantCreate) -> ProductVariant:
    """Add a combination; the product's stock becomes the sum of its variants' (the first replaces it)."""
    values = _values(product, variant_in.options)
    _check_combination_free(product, values)
    if len(product.variants) >= MAX_VARIANTS:
        raise Conflict.field("options", "max_variants", f"a product has at most {MAX_VARIANTS} variants")
    sku = variant_in.sku or _new_sku(product)
    _check_sku_free(product, sku)
    _check_image(product, variant_in.image_id)
    first = not product.variants
    position = variant_in.position
    if position is None:
        position = max((v.position for v in product.variants), default=-1) + 1
    variant = ProductVariant(product_id=product.id, sku=sku, stock=variant_in.stock,
                             price_minor=variant_in.price_minor, image_id=variant_in.image_id, position=position,
                             **dict(zip(OPTION_COLUMNS, values)))
    session.add(variant)
    await session.flush()
    if first:  # the units counted on the product alone are now the first variant's to count
        await session.execute(update(PRODUCTS).where(PRODUCTS.c.id == product.id).values(stock=variant.stock))
    else:
        await _move_product_stock(session, product.id, variant.stock)
    await _reload(session, product)
    return variant


async def do_update_variant(*, session: AsyncSession, product: Product, variant: ProductVariant,
                            variant_in: VariantUpdate) -> ProductVariant:
    """Change a variant's SKU, stock, price override, image or position."""
    changes = variant_in.model_dump(exclude_unset=True)
    if changes.get("sku") is not None:
        _check_sku_free(product, changes["sku"], variant.id)
    if "image_id" in changes:
        _check_image(product, changes["image_id"])
    stock = changes.pop("stock", None)
    for name in ("sku", "position"):
        if changes.get(name) is not None:
            setattr(variant, name, changes[name])
    for name in ("price_minor", "image_id"):  # null is a value here: back to the product's price, no image
        if name in changes:
            setattr(variant, name, changes[name])
    await session.flush()
    if stock is not None:
        # Locked, then set: a buyer's decrement in between is counted, not overwritten on the product.
        before = (await session.execute(select(VARIANTS.c.stock).where(VARIANTS.c.id == variant.id)
                                        .with_for_update())).scalar_one()
        await session.execute(update(VARIANTS).where(VARIANTS.c.id == variant.id).values(stock=stock))
        await _move_product_stock(session, product.id, stock - before)
    await _reload(session, product)
    return variant


async def do_remove_variant(*, session: AsyncSession, product: Product, variant: ProductVariant) -> None:
    """Remove a variant and its units (its orders keep their label); the last one leaves the product unsplit."""
    left = (await session.execute(select(VARIANTS.c.stock).where(VARIANTS.c.id == variant.id)
                                  .with_for_update())).scalar_one()
    await session.delete(variant)
    await session.flush()
    await _move_product_stock(session, product.id, -left)
    await _reload(session, product)


async def _move_product_stock(session: AsyncSession, product_id: int, delta: int) -> None:
    if delta:
        await session.execute(update(PRODUCTS).where(PRODUCTS.c.id == product_id)
                              .values(stock=PRODUCTS.c.stock + delta))


async def _reload(session: AsyncSession, product: Product) -> None:
    await session.refresh(product, ["stock", "variants", "updated_at"])
    for variant in product.variants:
        await session.refresh(variant)

