"""HTTP routes for the caller's saved cards: list them, save one (Stripe Checkout in setup mode), remove one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.ledger.providers import saved_cards

router = APIRouter(prefix="/api/v1", tags=["wallet and payments"])


class SavedCardRead(BaseModel):
    id: int
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    created_at: str


class SavedCardsRead(BaseModel):
    cards: list[SavedCardRead]
    offered: bool  # whether cards can be saved here (Stripe is configured)


class CardSetupRead(BaseModel):
    checkout_url: str


@router.get("/me/cards", response_model=SavedCardsRead)
async def my_cards(request: Request, user: CurrentUser, session: SessionDep):
    """The caller's saved cards, newest first: brand, last four digits, expiry; never the number."""
    cards = await saved_cards.list_cards(session, user.id)
    return SavedCardsRead(cards=[saved_cards.card_view(card) for card in cards],
                          offered=bool(request.app.state.settings.stripe_secret_key))


@router.post("/me/cards/setup", status_code=201, response_model=CardSetupRead)
async def save_a_card(request: Request, user: CurrentUser, session: SessionDep):
    """Start saving a card: a Stripe Checkout link in setup mode; the card is listed once Stripe says it is saved."""
    url = await saved_cards.start_card_setup(session, user=user, settings=request.app.state.settings,
                                             return_path="/account/wallet")
    return CardSetupRead(checkout_url=url)


@router.delete("/me/cards/{card_id}", status_code=204)
async def remove_card(card_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """Remove one of the caller's saved cards (detached at Stripe too); a hold already placed on it stands."""
    await saved_cards.remove_card(session, user=user, card_id=card_id, settings=request.app.state.settings)
    return Response(status_code=204)
