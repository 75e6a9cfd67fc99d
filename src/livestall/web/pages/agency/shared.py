"""What the agency pages share: the admin's agency, the host form's fields, and refusals in the page's language."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from livestall.accounts.models import User
from livestall.agency.access import check_agency_admin, get_agency
from livestall.agency.models import Agency, HostProfile
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.money import MINOR_UNITS, parse_price
from livestall.web import i18n
from livestall.web.i18n import N_
from livestall.web.messages import error_message
from livestall.web.pages.common import FormErrors, Page, problems_of

# The agency's rules, said in the user's language; other rules fall back to the shared messages.
RULE_MESSAGES = {
    "pipeline_move": N_("That move is not allowed from the host's current stage."),
    "certified": N_("The host must complete training first."),
    "active_stage": N_("Only active hosts can be booked."),
    "speaks_language": N_("The host does not present in the show's language."),
    "has_account": N_("The host has no Livestall account to accept bookings with."),
    "upcoming_show": N_("The show is no longer upcoming."),
    "existing_show": N_("There is no such show."),
    "one_host_per_show": N_("This show already has a host booked."),
    "no_double_booking": N_("The host is already booked at that time."),
    "host_availability": N_("The show falls outside the host's working hours."),
    "matching_request": N_("That request is not from this show's shop."),
    "open_request": N_("That request is already booked."),
    "unique_in_agency": N_("This email has already applied to this agency."),
    "in_training": N_("Only hosts in training or later complete modules."),
    "agency_module": N_("There is no such module in this agency's courses."),
    "show_held": N_("Only an accepted booking of an ended show is paid."),
    "not_paid": N_("This show is already paid."),
    "proposed": N_("This booking has already been answered."),
    "cancellable": N_("This booking can no longer be cancelled."),
    "iana_timezone": N_("Use a time zone such as Europe/Madrid."),
    "percent_format": N_("Enter a percentage such as 5 or 2.5."),
    "pick_show": N_("Pick a show from the list."),
    "held_payout": N_("This payout is held for review: release or cancel it."),
    "payout_open": N_("This payout was cancelled."),
    "is_held": N_("Only a held payout is released or cancelled."),
    "known_rule": N_("Choose one of the rules offered."),
    "amount_owed": N_("Nothing is owed to this agency."),
    "revenue_available": N_("The shop's revenue holds nothing to settle with yet."),
    "roster_host": N_("That host cannot be booked through this agency."),
}
FIELD_RULE_MESSAGES = {
    ("commission", "less_than_equal"): N_("A commission is at most 100 percent."),
    ("commission", "greater_than_equal"): N_("A commission cannot be negative."),
    ("fee", "greater_than_equal"): N_("A fee cannot be negative."),
}
FORM_NAMES = {"fee_minor": "fee", "commission_bp": "commission"}  # the API's fields, as the forms name them
HOST_FIELDS = ("display_name", "email", "country", "markets", "timezone", "note", "social_network", "social_handle",
               "social_followers")
RATE_FIELDS = ("fee", "fee_currency", "commission", "currency")
LANGUAGE_CODES = i18n.LANGUAGES


def message(page: Page, problem: FieldProblem) -> str:
    """A field problem in the page's language."""
    text = FIELD_RULE_MESSAGES.get((problem.field, problem.rule)) or RULE_MESSAGES.get(problem.rule)
    return page.gettext(text) if text else error_message(page, problem)


def form_errors(page: Page, exc: ValidationError | DomainError) -> FormErrors:
    """The errors of a refused form, by the form's field names, with a form-wide one for the first refusal."""
    problems = [FieldProblem(FORM_NAMES.get(p.field.split(".")[0], p.field.split(".")[0]), p.rule, p.message)
                for p in problems_of(exc)]
    errors = FormErrors()
    for problem in problems:
        errors.setdefault(problem.field, message(page, problem))
    if problems:
        errors["_form"] = message(page, problems[0])
    else:
        errors["_form"] = page.gettext("Sorry, this cannot be done.")
    return errors


async def admin_agency(session, agency_id: int, user: User) -> Agency:
    """The agency, if `user` runs it."""
    agency = await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency.id, user=user)
    return agency


def split_codes(text: str) -> list[str]:
    """'es, MX fr' → ['ES', 'MX', 'FR']: country codes typed in one field."""
    return [code.upper() for code in re.split(r"[\s,;]+", text) if code]


def host_fields(form, *, email: str | None = None) -> dict:
    """The profile fields of a host form, shaped as the API's HostFields."""
    values = form.values(*HOST_FIELDS)
    socials = []
    if values["social_handle"]:
        followers = values["social_followers"] or "0"
        socials.append({"network": values["social_network"] or "tiktok", "handle": values["social_handle"],
                        "followers": int(followers) if followers.isdigit() else followers})
    return {"display_name": values["display_name"], "email": email or values["email"], "country": values["country"],
            "languages": [code for code in form.getlist("languages") if code], "markets": split_codes(values["markets"]),
            "socials": socials, "timezone": values["timezone"] or "UTC", "note": values["note"]}


def percent_to_bp(text: str) -> int:
    """'2.5' (or '2,5') percent → 250 basis points."""
    try:
        bp = Decimal(text.replace(",", ".").replace("%", "").strip() or "0") * 100
    except InvalidOperation:
        raise Invalid.field("commission", "percent_format", "must be a percentage such as 5 or 2.5") from None
    if not bp.is_finite() or bp != bp.to_integral_value():
        raise Invalid.field("commission", "percent_format", "at most two decimals")
    return int(bp)


def rate_fields(form, default_currency: str) -> dict:
    """The rate card of a host form: fee per show in major units and commission in percent."""
    values = form.values(*RATE_FIELDS)
    fee_currency = (values["fee_currency"] or default_currency).upper()
    rates: dict = {"fee_currency": fee_currency, "currency": (values["currency"] or "USD").upper()}
    problems: list[FieldProblem] = []
    if fee_currency in MINOR_UNITS:  # an unknown currency is reported by the schema
        try:
            rates["fee_minor"] = parse_price(values["fee"] or "0", fee_currency, "fee")
        except Invalid as exc:
            problems.extend(exc.errors)
    try:
        rates["commission_bp"] = percent_to_bp(values["commission"])
    except Invalid as exc:
        problems.extend(exc.errors)
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    return rates


def host_localizer(page: Page, host: HostProfile) -> i18n.Localizer:
    """Formats times in the host's own time zone, in the page's language."""
    return i18n.Localizer(page.lang, ZoneInfo(host.timezone))


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def month_date(period: str) -> date:
    """The first day of a YYYY-MM period."""
    return date(int(period[:4]), int(period[5:]), 1)


def shift_month(period: str, months: int) -> str:
    """YYYY-MM moved by `months`."""
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
