"""Account pages: sign up, log in, log out, language, profile, my orders, my addresses, my wallet, following."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select

from livestall.accounts import service as accounts
from livestall.accounts.deps import request_token
from livestall.accounts.schemas import LoginIn, ProfileUpdate, UserCreate
from livestall.catalog.models import Product
from livestall.db import SessionDep
from livestall.errors import DomainError, Unauthorized
from livestall.ledger import service as ledger
from livestall.ledger.providers import provider_names
from livestall.ledger.providers.saved_cards import list_cards
from livestall.money import MINOR_UNITS
from livestall.orders.addresses import AddressRead, list_addresses
from livestall.orders.service import list_buyer_orders
from livestall.security.throttle import THROTTLED
from livestall.shows.reminders import list_reminded_shows
from livestall.web import service
from livestall.web.i18n import LANGUAGES
from livestall.web.pages.common import (
    LANG_COOKIE, FormDep, FormErrors, PageDep, PageRoute, problems_of, redirect, render, require_user, safe_next,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SIGNUP_FIELDS = ("email", "display_name", "language", "country", "currency")
PROFILE_FIELDS = ("display_name", "language", "country", "currency")


def _currencies(page) -> list[str]:
    return sorted(set(page.settings.fx_per_usd) & set(MINOR_UNITS))


async def _log_in(page, session, user, request: Request, response):
    """Open a login session and set its cookie, as the API's login does."""
    settings = page.settings
    token, _ = await accounts.open_login_session(session=session, user=user, days=settings.session_days,
                                                 user_agent=request.headers.get("user-agent"))
    response.set_cookie(settings.session_cookie, token, max_age=settings.session_days * 86400, httponly=True,
                        samesite="lax", secure=settings.cookie_secure, path="/")
    response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 86400, samesite="lax",
                        secure=settings.cookie_secure, path="/")
    return response


@router.get("/signup")
async def signup_page(page: PageDep, next: str = "/"):
    """The sign-up form."""
    values = {"language": page.lang, "currency": page.currency, "next": safe_next(next)}
    return render(page, "account/signup.html", {"values": values, "errors": {}, "currencies": _currencies(page)})


def _throttled(page, request: Request, template: str, context: dict):
    """The form again with a 429 when its sender is over the login or sign-up limit; else None."""
    retry_after_s = getattr(request.state, THROTTLED, None)
    if retry_after_s is None:
        return None
    seconds = max(1, math.ceil(retry_after_s))
    errors = FormErrors()
    errors["_form"] = page.gettext("Too many attempts. Try again in %(seconds)s seconds.", seconds=seconds)
    response = render(page, template, {**context, "errors": errors}, status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/signup")
async def signup(page: PageDep, form: FormDep, request: Request, session: SessionDep):
    """Create the account and log in; on bad input, the form again with its errors."""
    values = form.values(*SIGNUP_FIELDS)
    roles = ["viewer", *[r for r in form.getlist("roles") if r in ("seller", "host")]]
    next_url = safe_next(form.get("next"))
    context = {"values": {**values, "roles": roles, "next": next_url}, "currencies": _currencies(page)}
    if (refused := _throttled(page, request, "account/signup.html", context)) is not None:
        return refused
    try:
        user_in = UserCreate(email=values["email"], password=form.get("password"),
                             display_name=values["display_name"], language=values["language"] or page.lang,
                             country=values["country"] or None, currency=values["currency"] or page.currency,
                             roles=roles)
        user = await accounts.register(session=session, user_in=user_in)
    except (ValidationError, DomainError) as exc:
        return render(page, "account/signup.html", {**context, "errors": FormErrors.of(page, problems_of(exc))},
                      status=422)
    return await _log_in(page, session, user, request, redirect(page, next_url))


@router.get("/login")
async def login_page(page: PageDep, next: str = "/"):
    """The login form."""
    return render(page, "account/login.html", {"values": {"next": safe_next(next)}, "errors": {}})


@router.post("/login")
async def login(page: PageDep, form: FormDep, request: Request, session: SessionDep):
    """Check email and password, set the session cookie and go back where the user was."""
    values = {"email": form.get("email"), "next": safe_next(form.get("next"))}
    if (refused := _throttled(page, request, "account/login.html", {"values": values})) is not None:
        return refused
    try:
        user = await accounts.authenticate(session=session, login_in=LoginIn(email=values["email"],
                                                                             password=form.get("password")))
    except (ValidationError, Unauthorized) as exc:
        errors = FormErrors.of(page, problems_of(exc)) if isinstance(exc, ValidationError) else FormErrors()
        if isinstance(exc, Unauthorized):
            errors["_form"] = page.gettext("Email or password is wrong.")
        return render(page, "account/login.html", {"values": values, "errors": errors}, status=422)
    return await _log_in(page, session, user, request, redirect(page, values["next"]))


@router.post("/logout")
async def logout(page: PageDep, form: FormDep, request: Request, session: SessionDep):
    """End this login and clear its cookie."""
    require_user(page)
    token = request_token(request)
    if token:
        await accounts.revoke_token(session=session, token=token)
    response = redirect(page, "/")
    response.delete_cookie(page.settings.session_cookie, path="/")
    return response


@router.post("/lang")
async def switch_language(page: PageDep, form: FormDep, session: SessionDep):
    """Switch the page language: remembered in this browser, and in the profile when logged in."""
    lang = form.get("lang")
    if lang in LANGUAGES:
        page.cookies[LANG_COOKIE] = lang
        if page.user is not None:
            await accounts.update_profile(session=session, user=page.user, profile_in=ProfileUpdate(language=lang))
    return redirect(page, safe_next(form.get("next")))


@router.get("/account")
async def profile_page(page: PageDep, saved: int = 0):
    """The profile form: name, language, country and currency."""
    user = require_user(page)
    values = {"display_name": user.display_name, "language": user.language, "country": user.country or "",
              "currency": user.currency}
    return render(page, "account/profile.html", {"values": values, "errors": {}, "currencies": _currencies(page),
                                                 "saved": bool(saved)})


@router.post("/account")
async def save_profile(page: PageDep, form: FormDep, session: SessionDep):
    """Save the profile; the page then speaks the chosen language."""
    user = require_user(page)
    values = form.values(*PROFILE_FIELDS)
    try:
        profile_in = ProfileUpdate(display_name=values["display_name"] or None, language=values["language"] or None,
                                   country=values["country"] or None, currency=values["currency"] or None)
        await accounts.update_profile(session=session, user=user, profile_in=profile_in)
    except (ValidationError, DomainError) as exc:
        return render(page, "account/profile.html", {"values": values, "errors": FormErrors.of(page, problems_of(exc)),
                                                     "currencies": _currencies(page), "saved": False}, status=422)
    page.cookies[LANG_COOKIE] = user.language
    return redirect(page, "/account?saved=1")


@router.get("/account/orders")
async def my_orders(page: PageDep, session: SessionDep, page_no: int = 1):
    """The user's orders, newest first, with what can still be done with each."""
    user = require_user(page)
    orders, total = await list_buyer_orders(session=session, buyer=user, page=max(1, page_no), per_page=50)
    titles = dict((await session.execute(select(Product.id, Product.title)
                                         .where(Product.id.in_({o.product_id for o in orders})))).all()) if orders else {}
    shops, _ = await service.get_names(session=session, shop_ids={o.shop_id for o in orders})
    return render(page, "account/orders.html", {"orders": orders, "total": total, "titles": titles, "shops": shops})


@router.get("/account/addresses")
async def my_addresses(page: PageDep, session: SessionDep):
    """The user's address book: the default first, each to edit, delete or make the default; a form to add one."""
    user = require_user(page)
    book = [AddressRead.of(a) for a in await list_addresses(session=session, user=user)]
    return render(page, "account/addresses.html", {"addresses": book,
                                                    "addresses_json": [a.model_dump(mode="json") for a in book]})


@router.get("/account/wallet")
async def my_wallet(page: PageDep, session: SessionDep, card: str = ""):
    """The user's wallet: a balance per currency, its latest movements newest first, and how to top it up."""
    user = require_user(page)
    wallets = await ledger.list_wallets(session, user.id)
    entries = await ledger.list_entries(session, [w["account_id"] for w in wallets], limit=50)
    held = [w["balance"]["currency"] for w in wallets]
    currencies = sorted(set(_currencies(page)) | set(held))
    topup_currency = held[0] if held else page.currency
    return render(page, "account/wallet.html", {
        "wallets": wallets, "entries": entries, "currencies": currencies, "topup_currency": topup_currency,
        "digits": {code: MINOR_UNITS[code] for code in currencies}, "stripe": "stripe" in provider_names(page.settings),
        "cards": await list_cards(session, user.id), "card_news": card})


@router.get("/account/following")
async def following(page: PageDep, session: SessionDep):
    """The hosts and shops the user follows, and the shows they asked to be reminded of."""
    user = require_user(page)
    follows = await service.list_following(session=session, user=user)
    reminders = await list_reminded_shows(session=session, user=user)
    return render(page, "account/following.html", {"follows": follows, "reminders": reminders})
