"""Languages: Babel catalogs compiled at startup, language negotiation, and locale-aware formatting."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from livestall.money import Money

LANGUAGES = ("en", "es", "fr", "zh", "ar")
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "zh": "中文", "ar": "العربية"}
RTL = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
# A viewer who has not told us their currency sees prices in the usual one of their language.
LANGUAGE_CURRENCY = {"en": "USD", "es": "EUR", "fr": "EUR", "zh": "CNY", "ar": "SAR"}
LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def catalog_files(lang: str) -> list[Path]:
    """The .po files of `lang`: messages.po first, then one per area (agency.po, insights.po, ...)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    main = folder / f"{DOMAIN}.po"
    return ([main] if main.exists() else []) + sorted(p for p in folder.glob("*.po") if p != main)


def read_catalog(lang: str) -> Catalog:
    """All of `lang`'s .po files as one catalog; an area's translation fills a gap, never blanks one."""
    catalog = Catalog(locale=lang, domain=DOMAIN)
    for path in catalog_files(lang):
        with path.open("rb") as fp:
            for message in read_po(fp, locale=lang, domain=DOMAIN):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and (message.id not in catalog or all(s for s in strings)):
                    catalog[message.id] = message
    return catalog


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of `lang`: English is the source language and needs none."""
    if lang == DEFAULT_LANGUAGE or not catalog_files(lang):
        return NullTranslations()
    # Compiled in memory from the .po files, so the catalogs in the tree are always the ones served.
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang))
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """Primary language subtags of an Accept-Language header, best first (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and primary != "*" and quality > 0:
            ranked.append((-quality, index, primary))
    return [primary for _, _, primary in sorted(ranked)]


def negotiate(*, profile: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: the user's profile, else their choice in this browser, else Accept-Language."""
    for choice in (profile, cookie, *parse_accept_language(accept_language)):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE


def zone(name: str | None) -> tzinfo:
    """The browser's time zone (an IANA name from its cookie, URL-encoded by the script), else UTC."""
    name = unquote(name or "")
    if name and len(name) < 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.utc


class Localizer:
    """Formats money, numbers, dates and times for one language and time zone, with Babel."""

    def __init__(self, lang: str, tz: tzinfo = timezone.utc) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)
        self.tz = tz

    def money(self, money: Money | dict | None) -> str:
        """'CN¥128.00', '128,00 €', ... in this language."""
        if money is None:
            return ""
        if isinstance(money, dict):
            money = Money(int(money["amount_minor"]), money["currency"])
        return numbers.format_currency(money.decimal, money.currency, locale=self.locale)

    def number(self, value: int | float | Decimal) -> str:
        return numbers.format_decimal(value, locale=self.locale)

    def datetime(self, value: datetime | None, format: str = "medium") -> str:
        """The date in `format` and the time to the minute: seconds on a page are noise."""
        if not value:
            return ""
        pattern = str(dates.get_datetime_format(format, locale=self.locale))
        return pattern.replace("{1}", self.date(value, format)).replace("{0}", self.time(value, "short"))

    def date(self, value: date | datetime | None, format: str = "medium") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return dates.format_date(value, format=format, locale=self.locale) if value else ""

    def time(self, value: datetime | None, format: str = "short") -> str:
        return dates.format_time(value, format=format, tzinfo=self.tz, locale=self.locale) if value else ""

    def delta(self, value: timedelta, add_direction: bool = True) -> str:
        """'in 3 hours', 'hace 5 minutos', ..."""
        return dates.format_timedelta(value, add_direction=add_direction, locale=self.locale)

    def zone_name(self) -> str:
        # Babel names the zone "UTC" of the tz database "Unknown Region (UTC Time)": say UTC.
        if self.tz == timezone.utc or getattr(self.tz, "key", "") in ("UTC", "Etc/UTC"):
            return "UTC"
        return dates.get_timezone_name(self.tz, width="short", locale=self.locale)

    def language_name(self, code: str) -> str:
        return LANGUAGE_NAMES.get(code, code)

    def country_name(self, code: str | None) -> str:
        if not code:
            return ""
        return self.locale.territories.get(code.upper(), code.upper())

    def currency_name(self, code: str) -> str:
        return numbers.get_currency_name(code, locale=self.locale)
