"""HTTP routes for the websites a shop allows to embed its shows."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from livestall.accounts import embed_tokens
from livestall.accounts.deps import CurrentUser
from livestall.catalog import embed_origins, service
from livestall.db import SessionDep
from livestall.errors import Forbidden, NotFound

router = APIRouter(prefix="/api/v1", tags=["catalog"])
_shows = sa.table("shows", sa.column("id"), sa.column("shop_id"))  # catalog sits below shows: no import of it


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


# -- signing in the player on a merchant's website ---------------------------------------------------------

class EmbedTokenIn(BaseModel):
    """The show and the website of the player that asks to be signed in."""

    show_id: int = Field(ge=1, le=2_147_483_647)
    origin: str = Field(max_length=embed_origins.MAX_LENGTH,
                        description="the embedding page's origin, such as https://shop.example")


class EmbedTokenOut(BaseModel):
    """A token for the player: `Authorization: Bearer`, with `X-Livestall-Embed-Origin: <origin>`."""

    token: str
    expires_at: datetime
    show_id: int
    origin: str


@router.post("/embed/tokens", status_code=201, response_model=EmbedTokenOut)
async def open_embed_token(token_in: EmbedTokenIn, request: Request, user: CurrentUser, session: SessionDep):
    """The login popup: a token for 10 minutes that buys as the user in one show, in a player on one website
    the show's shop allows; logging out revokes it."""
    origin = embed_origins.normalize_origin(token_in.origin, "origin")
    shop_id = await session.scalar(sa.select(_shows.c.shop_id).where(_shows.c.id == token_in.show_id))
    if shop_id is None:
        raise NotFound(f"no show {token_in.show_id}")
    public = urlsplit(request.app.state.settings.public_url)
    own = f"{public.scheme}://{public.netloc}".lower()
    allowed = await embed_origins.list_embed_origins(session=session, shop_id=shop_id)
    # A wildcard is a rule for the shop's list, never a website a player is on; `*` in the list allows any site.
    if "*" in origin or not (origin == own or embed_origins.origin_matches(origin, allowed)):
        raise Forbidden.field("origin", "embed_origin_allowed",
                              f"the shop of show {token_in.show_id} does not allow its shows on {origin}")
    token, row = await embed_tokens.do_open_embed_token(session=session, user=user, show_id=token_in.show_id,
                                                        origin=origin)
    return EmbedTokenOut(token=token, expires_at=row.expires_at, show_id=token_in.show_id, origin=origin)
