"""What a notification says, in the reader's language: one sentence and a line of detail, for the feed, the
email and the push alike. The page feed and the worker both read it (babel.cfg extracts its strings)."""

from __future__ import annotations

from gettext import NullTranslations

from babel import numbers

from livestall.money import Money


def _money(data: dict, lang: str) -> str:
    if data.get("amount_minor") is None:
        return ""
    money = Money(int(data["amount_minor"]), data["currency"])
    return numbers.format_currency(money.decimal, money.currency, locale=lang)


def _result(data: dict, tr: NullTranslations) -> str:
    """An opening's outcome: the pearls counted when there are some, else what the seller wrote."""
    count = data.get("pearl_count")
    if count is not None:
        return tr.ngettext("%(num)s pearl", "%(num)s pearls", count) % {"num": count}
    return data.get("summary") or data.get("lot", "")


def sentence(kind: str, data: dict, lang: str, tr: NullTranslations) -> str:
    """The headline of a notification, e.g. "Your order A1B2 has shipped"."""
    _ = tr.gettext
    values = {**data, "amount": _money(data, lang), "name": data.get("host_name") or data.get("shop_name", "")}
    texts = {
        "go_live": lambda: _("%(name)s is live now"),
        "reminder": lambda: _("Starting soon: %(title)s"),
        "host_invite": lambda: _("%(shop)s asks you to host %(title)s"),
        "order_paid": lambda: _("Order %(ref)s is paid: %(amount)s"),
        "order_shipped": lambda: _("Your order %(ref)s has shipped"),
        "order_delivered": lambda: _("Your order %(ref)s was delivered"),
        "order_refunded": lambda: _("Your order %(ref)s was refunded: %(amount)s back in your wallet"),
        "order_sold": lambda: _("New order paid: %(product)s × %(quantity)s, %(amount)s"),
        "low_stock": lambda: _("Low stock: %(item)s, %(units_left)s left"),
        "booking_offered": lambda: _("%(agency)s offers you a booking: %(title)s"),
        "booking_accepted": lambda: _("%(host)s accepted the booking for %(title)s"),
        "booking_declined": lambda: _("%(host)s declined the booking for %(title)s"),
        "booking_cancel": lambda: _("The booking of %(host)s for %(title)s was cancelled"),
        "opening_turn": lambda: _("Your turn is next on camera: %(lot)s"),
        "opening_result": lambda: _("Your opening of %(lot)s: %(result)s"),
        "opening_refunded": lambda: _("Your ticket for %(lot)s was refunded: %(amount)s back in your wallet"),
    }
    if kind == "host_invite":
        values["shop"] = data.get("shop_name", "")
    if kind == "opening_result":
        values["result"] = _result(data, tr)
    text = texts.get(kind)
    return text() % values if text else ""


def detail(kind: str, data: dict, tr: NullTranslations) -> str:
    """The second line: the tracking number of a parcel, what was bought, or the show it is about."""
    _ = tr.gettext
    if kind == "order_shipped" and data.get("tracking_number"):
        number = _("Tracking number: %(number)s") % {"number": data["tracking_number"]}
        return f"{data['carrier']} · {number}" if data.get("carrier") else number
    if kind == "low_stock":
        return _("SKU %(sku)s · you are told at %(threshold)s left or fewer") % data
    if kind.startswith("order_"):
        return " · ".join(part for part in (data.get("product", ""), data.get("shop_name", "")) if part)
    return data.get("title", "")


def text_of(kind: str, data: dict, lang: str, tr: NullTranslations) -> tuple[str, str]:
    """The title and body of a push or an email."""
    return sentence(kind, data, lang, tr), detail(kind, data, tr)
