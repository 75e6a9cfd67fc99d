"""Payment providers behind one interface: the built-in wallet (always on) and Stripe (when configured)."""

from __future__ import annotations

from livestall.errors import Invalid
from livestall.ledger.providers.base import PaymentProvider, PaymentResult
from livestall.ledger.providers.stripe import StripeProvider
from livestall.ledger.providers.wallet import WalletProvider
from livestall.settings import Settings

__all__ = ["PaymentProvider", "PaymentResult", "get_provider", "provider_names"]


def provider_names(settings: Settings) -> list[str]:
    """The providers this installation offers."""
    return ["wallet", *(["stripe"] if settings.stripe_secret_key else [])]


def get_provider(name: str, settings: Settings, field: str = "provider") -> PaymentProvider:
    """The provider called `name`, or Invalid naming the field when it is not offered here."""
    if name == "wallet":
        return WalletProvider()
    if name == "stripe" and settings.stripe_secret_key:
        return StripeProvider(settings)
    offered = ", ".join(provider_names(settings))
    raise Invalid.field(field, "offered_provider", f"{name!r} is not offered here; use one of: {offered}")
