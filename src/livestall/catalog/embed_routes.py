"""HTTP routes for the websites a shop allows to embed its shows."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from livestall.accounts.deps import CurrentUser
from livestall.catalog import embed_origins, service
from livestall.db import SessionDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


class EmbedOrigins(BaseModel):
    """A shop's allowed websites: origins such as https://shop.example, `https://*.example.com`, or `*` for any."""

    origins: list[str] = Field(default_factory=list, description="at most 20; no path; `*` opens to every site")


@router.get("/shops/{shop_id}/embed-origins", response_model=EmbedOrigins)
async def get_embed_origins(shop_id: int, user: CurrentUser, session: SessionDep):
    """Owners and staff: the websites allowed to embed the shop's shows."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user)
    return EmbedOrigins(origins=await embed_origins.list_embed_origins(session=session, shop_id=shop.id))


@router.put("/shops/{shop_id}/embed-origins", response_model=EmbedOrigins)
async def set_embed_origins(shop_id: int, origins_in: EmbedOrigins, user: CurrentUser, session: SessionDep):
    """Owners: replace the websites allowed to embed the shop's shows (an empty list: only this site)."""
    shop = await service.get_shop(session=session, shop_id=shop_id)
    service.check_shop_member(shop, user, owner_only=True)
    origins = await embed_origins.do_set_embed_origins(session=session, shop_id=shop.id, origins=origins_in.origins)
    return EmbedOrigins(origins=origins)
