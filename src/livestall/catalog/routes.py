"""HTTP routes for shops, staff, products and product images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.catalog import images, service, variants
from livestall.catalog.schemas import (
    ImageRead, OptionAxesIn, ProductCreate, ProductPage, ProductRead, ProductStatus, ProductUpdate, ShopCreate,
    ShopPage, ShopRead, ShopUpdate, StaffAdd, VariantCreate, VariantRead, VariantUpdate,
)
from livestall.db import SessionDep
from livestall.validation import CurrencyCode

router = APIRouter(prefix="/api/v1", tags=["catalog"])

Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
SearchText = Annotated[str | None, Query(max_length=100)]
DisplayCurrency = Annotated[CurrencyCode | None, Query(description="Also show prices in this currency")]


def _read(request: Request, product, user, currency: str | None) -> ProductRead:
    """The product as the caller sees it: price also in the asked currency, else the caller's own."""
    display = currency or (user.currency if user else None)
    return service.product_read(product, display, request.app.state.settings.fx_per_usd)


@router.post("/shops", status_code=201, response_model=ShopRead)
async def create_shop(shop_in: ShopCreate, user: CurrentUser, session: SessionDep):
    """Sellers: open a shop."""
    service.check_seller(user)
    return await service.do_create_shop(session=session, owner=user, shop_in=shop_in)


@router.get("/shops", response_model=ShopPage)
async def list_shops(session: SessionDep, q: SearchText = None, page: Page = 1, per_page: PerPage = 20):
    """Shops, searchable by name or city."""
    items, total = await service.list_shops(session=session, q=q, page=page, per_page=per_page)
    return ShopPage(items=items, total=total, page=page, per_page=per_page)


@router.get("/shops/{shop_id}", response_model=ShopRead)
async def get_shop(shop_id: int, session: SessionDep):
    """One shop."""
    return await service.get_shop(session=session, shop_id=shop_id)


@router.patch("/shops/{shop_id}", response_model=ShopRead)
async def update_shop(shop_id: int, shop_in: ShopUpdate, user: CurrentUser, session: SessionDep):
    """Owners: change the shop's details."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user, owner_only=True)
    return await service.do_update_shop(session=session, shop=shop, shop_in=shop_in)


@router.post("/shops/{shop_id}/staff", status_code=201, response_model=ShopRead)
async def add_staff(shop_id: int, staff_in: StaffAdd, user: CurrentUser, session: SessionDep):
    """Owners: add a registered user as staff."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user, owner_only=True)
    return await service.do_add_staff(session=session, shop=shop, email=staff_in.email)


@router.post("/shops/{shop_id}/products", status_code=201, response_model=ProductRead)
async def create_product(shop_id: int, product_in: ProductCreate, request: Request, user: CurrentUser,
                         session: SessionDep):
    """Owners and staff: add a product."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user)
    product = await service.do_create_product(session=session, shop=shop, product_in=product_in)
    return _read(request, product, user, None)


@router.get("/shops/{shop_id}/products", response_model=ProductPage)
async def list_shop_products(
    shop_id: int, request: Request, session: SessionDep, user: OptionalUser, q: SearchText = None,
    status: ProductStatus | None = None, category: Annotated[str | None, Query(max_length=64)] = None,
    currency: DisplayCurrency = None, page: Page = 1, per_page: PerPage = 20,
):
    """A shop's products: active ones for everybody, any status for its members."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    member = user is not None and shop.member_role(user.id) is not None
    if member:
        statuses = (status,) if status else ("draft", "active", "archived")
    else:
        statuses = ("active",) if status in (None, "active") else ()
    items, total = await service.list_products(session=session, q=q, shop_id=shop_id, category=category,
                                               statuses=statuses, page=page, per_page=per_page)
    return ProductPage(items=[_read(request, p, user, currency) for p in items], total=total, page=page,
                       per_page=per_page)


@router.get("/products", response_model=ProductPage)
async def search_products(
    request: Request, session: SessionDep, user: OptionalUser, q: SearchText = None,
    category: Annotated[str | None, Query(max_length=64)] = None, shop_id: int | None = None,
    currency: DisplayCurrency = None, page: Page = 1, per_page: PerPage = 20,
):
    """Active products across all shops, searchable and paginated."""
    items, total = await service.list_products(session=session, q=q, shop_id=shop_id, category=category,
                                               page=page, per_page=per_page)
    return ProductPage(items=[_read(request, p, user, currency) for p in items], total=total, page=page,
                       per_page=per_page)


@router.get("/products/{product_id}", response_model=ProductRead)
async def get_product(product_id: int, request: Request, session: SessionDep, user: OptionalUser,
                      currency: DisplayCurrency = None):
    """One product, with its price also in the viewer's currency."""
    product = await service.get_visible_product(session=session, product_id=product_id, user=user)
    return _read(request, product, user, currency)


async def _editable_product(session, product_id: int, user):
    product = await service.get_product(session=session, product_id=product_id)
    shop = await service.get_shop(session=session, shop_id=product.shop_id)
    service.check_shop_member(shop, user)
    return shop, product


@router.patch("/products/{product_id}", response_model=ProductRead)
async def update_product(product_id: int, product_in: ProductUpdate, request: Request, user: CurrentUser,
                         session: SessionDep):
    """Owners and staff: change a product (title, price, stock, status...)."""
    shop, product = await _editable_product(session, product_id, user)
    product = await service.do_update_product(session=session, shop=shop, product=product, product_in=product_in)
    return _read(request, product, user, None)


@router.post("/products/{product_id}/images", status_code=201, response_model=ImageRead)
async def upload_image(product_id: int, request: Request, user: CurrentUser, session: SessionDep,
                       file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or GIF image")]):
    """Owners and staff: add a photo to a product."""
    _, product = await _editable_product(session, product_id, user)
    settings = request.app.state.settings
    data = await file.read(settings.max_upload_bytes + 1)
    return await images.do_add_image(session=session, product=product, data=data, upload_dir=settings.upload_dir,
                                     max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels)


@router.delete("/products/{product_id}/images/{image_id}", status_code=204)
async def delete_image(product_id: int, image_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """Owners and staff: remove a photo."""
    _, product = await _editable_product(session, product_id, user)
    await images.do_remove_image(session=session, product=product, image_id=image_id,
                                 upload_dir=request.app.state.settings.upload_dir)


@router.put("/products/{product_id}/option-axes", response_model=ProductRead)
async def set_option_axes(product_id: int, axes_in: OptionAxesIn, request: Request, user: CurrentUser,
                          session: SessionDep):
    """Owners and staff: name the product's option axes (up to 3, e.g. Size and Colour)."""
    _, product = await _editable_product(session, product_id, user)
    product = await variants.do_set_axes(session=session, product=product, axes=axes_in.axes)
    return _read(request, product, user, None)


@router.get("/products/{product_id}/variants", response_model=list[VariantRead])
async def list_variants(product_id: int, session: SessionDep, user: OptionalUser):
    """A product's variants with their stock, in their order."""
    product = await service.get_visible_product(session=session, product_id=product_id, user=user)
    return [variants.variant_read(product, v) for v in product.variants]


@router.post("/products/{product_id}/variants", status_code=201, response_model=VariantRead)
async def add_variant(product_id: int, variant_in: VariantCreate, user: CurrentUser, session: SessionDep):
    """Owners and staff: add a combination of option values with its stock (and price, image)."""
    _, product = await _editable_product(session, product_id, user)
    variant = await variants.do_add_variant(session=session, product=product, variant_in=variant_in)
    return variants.variant_read(product, variant)


@router.patch("/products/{product_id}/variants/{variant_id}", response_model=VariantRead)
async def update_variant(product_id: int, variant_id: int, variant_in: VariantUpdate, user: CurrentUser,
                         session: SessionDep):
    """Owners and staff: change a variant's stock, price override, image, SKU or position."""
    _, product = await _editable_product(session, product_id, user)
    variant = await variants.get_variant(session=session, product=product, variant_id=variant_id)
    variant = await variants.do_update_variant(session=session, product=product, variant=variant,
                                               variant_in=variant_in)
    return variants.variant_read(product, variant)


@router.delete("/products/{product_id}/variants/{variant_id}", status_code=204)
async def remove_variant(product_id: int, variant_id: int, user: CurrentUser, session: SessionDep):
    """Owners and staff: remove a variant and its stock."""
    _, product = await _editable_product(session, product_id, user)
    variant = await variants.get_variant(session=session, product=product, variant_id=variant_id)
    await variants.do_remove_variant(session=session, product=product, variant=variant)
