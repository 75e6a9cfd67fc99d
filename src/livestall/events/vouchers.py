"""The voucher a host pins in a live show, as the room hears of it."""

from __future__ import annotations

from livestall.events.registry import Declarations, Payload, Timestamp
from livestall.events.selling import MoneyView

DECLARED = Declarations()


@DECLARED.room("voucher.pinned", when="the host pinned a voucher in the show (replacing the one pinned before)")
class PinnedVoucher(Payload):
    """A voucher shown in the room: its code and what it takes off, for the viewers to use."""

    code: str
    shop_id: int | None
    festival: str
    amount_off: MoneyView | None
    percent_off: int | None
    min_spend: MoneyView
    ends_at: Timestamp
    pinned_at: Timestamp


@DECLARED.room("voucher.unpinned", when="the host took the show's voucher down")
class UnpinnedVoucher(Payload):
    code: str
