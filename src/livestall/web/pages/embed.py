"""The shoppable player for other websites: the embed page, its loader script, the login popup's last step, and the
shop's list of websites allowed to embed its shows."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from livestall.catalog import embed_origins
from livestall.catalog import service as catalog
from livestall.db import SessionDep
from livestall.errors import Invalid
from livestall.realtime.config import origin_of
from livestall.security.headers import with_frame_ancestors
from livestall.web.i18n import N_
from livestall.web.pages.common import (
    FormDep, Page, PageDep, PageRoute, login_url, redirect, render, require_user,
)
from livestall.web.pages.watch import _watch_context

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOADER = Path(__file__).resolve().parents[1] / "static" / "embed" / "livestall-embed.js"
CART_MODES = ("player", "host")
# The rules of the allowed-websites field, said in the page's language.
ORIGIN_RULES = {
    "origin_scheme": N_("Start each website with https:// (or http://)."),
    "origin_no_path": N_("Give the website only, such as https://shop.example: no path after it."),
    "origin_wildcard": N_("A star may only stand for a whole first part, as in https://*.example.com."),
    "origin_format": N_("Write each website as https://shop.example (a port such as :8443 may follow)."),
    "too_long": N_("This website address is too long."),
    "max_origins": N_("List at most 20 websites."),
}


def _flag(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() not in ("0", "false", "no", "off")


@router.get("/embed/shows/{show_id}")
async def embed_page(show_id: int, page: PageDep, request: Request, session: SessionDep):
    """A show in another website's frame: live, upcoming with its countdown, or the replay; its shelf; the chat."""
    context = await _watch_context(page, request, session, show_id)
    show = context["show"]
    allowed = await embed_origins.list_embed_origins(session=session, shop_id=show.shop_id)
    own = origin_of(page.settings.public_url)
    asked = request.query_params.get("origin", "").strip().rstrip("/").lower()
    # Messages go only to the page that says it frames us, and only if the shop allows it: the browser then
    # delivers them only if that page really is our parent (postMessage's targetOrigin).
    parent = asked if asked and (asked == own or embed_origins.origin_matches(asked, allowed)) else None
    cart = request.query_params.get("cart", "player")
    data = context["data"]
    data.update(embed=True, login_url=f"/login?next=/shows/{show_id}", parent_origin=parent,
                cart="host" if cart == "host" else "player", chat=_flag(request.query_params.get("chat"), True))
    context["public_url"] = page.settings.public_url.rstrip("/")
    context["embed_chat"] = data["chat"]
    response = render(page, "watch/embed.html", context, embeddable=True)
    policy = response.headers["content-security-policy"]
    response.headers["content-security-policy"] = with_frame_ancestors(policy,
                                                                       embed_origins.frame_ancestors(allowed))
    return response


@router.get("/embed.js")
async def embed_loader() -> Response:
    """The script a merchant's page includes: it draws the player's frame and relays its events."""
    return Response(LOADER.read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/embed/signed-in")
async def signed_in(page: PageDep, request: Request, show: int | None = None, origin: str = ""):
    """The sign-in popup of a player on a merchant's website: after the login (or at once, when this browser is
    logged in here), it gets the player a token for its show and website, hands it over, and closes."""
    if page.user is None and show is not None:
        return redirect(page, login_url(request))
    return render(page, "watch/embed_signed_in.html",
                  {"signed_in": page.user is not None, "show_id": show, "origin": origin.strip()})


# -- the shop's allowed websites -------------------------------------------------------------------

async def _owned_shop(session, shop_id: int, page: Page):
    user = require_user(page)
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    catalog.check_shop_member(shop, user)
    return shop


def _origin_errors(page: Page, exc: Invalid, lines: list[str]) -> list[str]:
    """Each refused line as "Line 3 (text): the rule", in the page's language."""
    said = []
    for problem in exc.errors:
        text = page.gettext(ORIGIN_RULES[problem.rule]) if problem.rule in ORIGIN_RULES else problem.message
        index = problem.field.partition("[")[2].rstrip("]")
        if index.isdigit():
            text = page.gettext("Line %(line)s (%(text)s): %(rule)s", line=int(index) + 1,
                                text=lines[int(index)].strip(), rule=text)
        said.append(text)
    return said


def _embed_context(shop, owner: bool, origins_text: str, errors: list[str], saved: bool) -> dict:
    return {"shop": shop, "owner": owner, "origins_text": origins_text, "errors": errors, "saved": saved,
            "max_origins": embed_origins.MAX_ORIGINS}


@router.get("/manage/shops/{shop_id}/embed")
async def embed_settings(shop_id: int, page: PageDep, session: SessionDep, saved: int = 0):
    """The websites that may show the shop's shows, and the code to paste into them."""
    shop = await _owned_shop(session, shop_id, page)
    origins = await embed_origins.list_embed_origins(session=session, shop_id=shop.id)
    owner = shop.member_role(page.user.id) == "owner"
    return render(page, "manage/embed.html", {**_embed_context(shop, owner, "\n".join(origins), [], bool(saved)),
                                              "public_url": page.settings.public_url.rstrip("/")})


@router.post("/manage/shops/{shop_id}/embed")
async def save_embed_settings(shop_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Owners: replace the list of websites (one a line); a refused line changes nothing and is named."""
    shop = await _owned_shop(session, shop_id, page)
    catalog.check_shop_member(shop, page.user, owner_only=True)
    text = form.get("origins")
    lines = text.splitlines()
    try:
        await embed_origins.do_set_embed_origins(session=session, shop_id=shop.id, origins=lines)
    except Invalid as exc:
        context = {**_embed_context(shop, True, text, _origin_errors(page, exc, lines), False),
                   "public_url": page.settings.public_url.rstrip("/")}
        return render(page, "manage/embed.html", context, status=422)
    return redirect(page, f"/manage/shops/{shop.id}/embed?saved=1")
