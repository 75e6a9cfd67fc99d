"""The wallet page's saved cards: save one through Stripe Checkout (setup mode), remove one; forms without script."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from livestall.db import SessionDep
from livestall.errors import DomainError
from livestall.ledger.providers import saved_cards
from livestall.web.pages.common import FormDep, PageDep, PageRoute, apply_cookies, redirect, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
log = logging.getLogger("livestall.web.cards")


@router.post("/account/wallet/cards")
async def save_card(page: PageDep, form: FormDep, session: SessionDep):
    """Off to Stripe Checkout to save a card; back on the wallet page, which lists it once Stripe confirms."""
    user = require_user(page)
    try:
        url = await saved_cards.start_card_setup(session, user=user, settings=page.settings,
                                                 return_path="/account/wallet")
    except DomainError as exc:
        log.warning("card setup not started: %s", exc)
        return redirect(page, "/account/wallet?card=error")
    return apply_cookies(page, RedirectResponse(url, status_code=303))


@router.post("/account/wallet/cards/{card_id}/remove")
async def remove_card(card_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Forget one of the user's saved cards."""
    user = require_user(page)
    try:
        await saved_cards.remove_card(session, user=user, card_id=card_id, settings=page.settings)
    except DomainError as exc:
        log.warning("card %s not removed: %s", card_id, exc)
        return redirect(page, "/account/wallet?card=error")
    return redirect(page, "/account/wallet?card=removed")
