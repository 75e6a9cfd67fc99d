"""Translations: every user-facing string of the web app is translated in every language; negotiation; formats."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from livestall.money import Money
from livestall.web.i18n import (LANGUAGES, LOCALE_DIR, Localizer, negotiate, parse_accept_language, read_catalog,
                                 translations)

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set:
    """Every msgid in the code and templates now, extracted as `pybabel extract -F babel.cfg` does."""
    with open(ROOT / "babel.cfg") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.fixture(scope="module")
def messages() -> set:
    found = source_messages()
    assert len(found) > 200  # the extraction really read the templates and the code
    return found


def _catalog(lang: str):
    return read_catalog(lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang, messages):
    catalog = _catalog(lang)
    missing = []
    for msgid in messages:
        entry = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
        strings = [] if entry is None else entry.string if isinstance(entry.string, tuple) else [entry.string]
        if entry is None or entry.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(msgid)
    assert not missing, (f"{len(missing)} strings have no {lang} translation in {LOCALE_DIR}/{lang}/LC_MESSAGES/"
                         f"*.po (see docs/web.md, 'Translations'): {sorted(map(str, missing))[:20]}")


def test_the_template_lists_exactly_the_strings_in_use(messages):
    with open(LOCALE_DIR / "messages.pot", "rb") as fp:
        template = {m.id for m in read_po(fp) if m.id}
    assert template == messages, "messages.pot is stale: run the pybabel extract line of docs/web.md"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_their_placeholders(lang):
    for entry in _catalog(lang):
        if not entry.id:
            continue
        if isinstance(entry.id, tuple):
            allowed = set(PLACEHOLDER.findall(entry.id[1]))
            for form in entry.string:  # some plural forms ("one", "two") may spell the number out
                assert set(PLACEHOLDER.findall(form)) <= allowed, (lang, entry.id, form)
        else:
            assert set(PLACEHOLDER.findall(entry.string)) == set(PLACEHOLDER.findall(entry.id)), (lang, entry.id)


def test_catalogs_are_served_compiled():
    assert translations("es").gettext("Log in") == "Entrar"
    assert translations("ar").gettext("Live now") == "مباشر الآن"
    assert translations("zh").ngettext("%(num)s viewer", "%(num)s viewers", 3) == "%(num)s 位观众"
    assert translations("ar").ngettext("%(num)s viewer", "%(num)s viewers", 2) == "مشاهدان"
    assert translations("en").gettext("Log in") == "Log in"


def test_accept_language_is_ranked_by_quality():
    assert parse_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ["fr", "fr", "en", "de"]
    assert parse_accept_language("en;q=0.2, ar-SA") == ["ar", "en"]
    assert parse_accept_language("garbage;q=x, es") == ["es"]
    assert parse_accept_language(None) == []


@pytest.mark.parametrize("profile, cookie, header, expected", [
    ("zh", "es", "fr", "zh"),  # the profile wins
    (None, "es", "fr", "es"),  # then the choice made in this browser
    (None, None, "de-DE, fr;q=0.8", "fr"),  # then the first language we speak in Accept-Language
    (None, "xx", "de", "en"),  # else English
])
def test_language_comes_from_profile_then_cookie_then_header(profile, cookie, header, expected):
    assert negotiate(profile=profile, cookie=cookie, accept_language=header) == expected


def test_money_and_dates_follow_the_language():
    price = Money(12800, "CNY")
    assert Localizer("en").money(price) == "CN¥128.00"
    assert Localizer("fr").money(Money(12850, "EUR")).replace("\u202f", " ").replace("\xa0", " ") == "128,50 €"
    assert Localizer("es").money(Money(150000, "EUR")).replace("\xa0", " ") == "1.500,00 €"
    assert Localizer("zh").money(price) == "¥128.00"
    assert "128" in Localizer("ar").money(price)
    moment = datetime(2026, 11, 11, 20, 0, tzinfo=timezone.utc)
    # to the minute: a page shows no seconds
    assert Localizer("en").datetime(moment, "medium") == "Nov 11, 2026, 8:00\u202fPM"
    assert Localizer("es").datetime(moment) == "11 nov 2026, 20:00"
    assert Localizer("fr").date(moment, "long") == "11 novembre 2026"
    assert Localizer("es").date(moment, "long") == "11 de noviembre de 2026"
    from zoneinfo import ZoneInfo

    assert Localizer("zh", ZoneInfo("Asia/Shanghai")).time(moment) == "04:00"


def test_a_time_zone_is_named_as_people_say_it():
    assert Localizer("en", ZoneInfo("UTC")).zone_name() == "UTC"  # not Babel's "Unknown Region (UTC Time)"
    assert Localizer("es", ZoneInfo("Europe/Madrid")).zone_name() == "CET"
