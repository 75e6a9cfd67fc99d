"""Translated texts that code (not templates) shows: field errors by rule, and the strings of the scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from livestall.errors import FieldProblem
from livestall.web.i18n import N_

if TYPE_CHECKING:
    from livestall.web.pages.common import Page

# The server names a broken rule; the page says it in the user's language.
RULE_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This is too long."),
    "too_long": N_("This is too long."),
    "email_format": N_("Enter an email address like name@example.com."),
    "unique": N_("This is already taken."),
    "min_length": N_("Use at least 10 characters."),
    "max_length": N_("This is too long."),
    "not_common": N_("This password is too easy to guess."),
    "not_email": N_("The password must not contain your email address."),
    "mixed_characters": N_("Mix at least two of: lower case, upper case, digits and symbols."),
    "iso_country": N_("Use a two-letter country code, such as ES."),
    "known_currency": N_("Pick a currency from the list."),
    "literal_error": N_("Pick one of the choices."),
    "enum": N_("Pick one of the choices."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "greater_than_equal": N_("This number is too small."),
    "greater_than": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "less_than": N_("This number is too large."),
    "money_format": N_("Enter an amount such as 12.50."),
    "string_pattern_mismatch": N_("Use letters, digits, dots, dashes or underscores."),
    "unique_in_shop": N_("This SKU is already used in this shop."),
    "in_future": N_("Pick a time in the future."),
    "datetime_format": N_("Pick a date and a time."),
    "datetime_from_date_parsing": N_("Pick a date and a time."),
    "existing_user": N_("There is no such user."),
    "registered_user": N_("There is no such user."),
    "host_role": N_("The host must be a registered host or seller."),
    "matches_shop_currency": N_("Prices are in the shop's currency."),
    "login": N_("Email or password is wrong."),
    "csrf_token": N_("This form has expired. Go back, reload the page and try again."),
    "image_type": N_("Upload a JPEG, PNG, WebP or GIF image."),
    "max_size": N_("This file is too large."),
    "max_pixels": N_("This image is too large."),
    "not_empty": N_("This file is empty."),
    "max_images": N_("A product has too many images."),
    "no_control_chars": N_("Remove the control characters (such as NUL) from this text."),
    "string_unicode": N_("This text has characters that cannot be stored."),
    "visible_text": N_("Type some visible characters, not only spaces or invisible ones."),
    "datetime_range": N_("Pick a date within a hundred years of today."),
    "scheduled_within": N_("Pick a time within a year from now."),
    "starts_within": N_("Pick a start within 30 days from now."),
}

# The strings the scripts show, sent to each page translated (see the js_messages block of base.html).
JS_MESSAGES = {
    "live": N_("LIVE"),
    "replay": N_("REPLAY"),
    "connecting": N_("Connecting…"),
    "reconnecting": N_("Reconnecting…"),
    "offline": N_("Not live right now"),
    "waiting_video": N_("Waiting for the host's video…"),
    "ended": N_("The show has ended"),
    "playing": N_("LIVE"),
    "room_lost": N_("Connection lost. Reconnecting…"),
    # Room notices, by their `code` (the frame's English `message` is for other clients).
    "chat_degraded": N_("Chat is having trouble: some messages may be late or missing. Reconnecting…"),
    "chat_restored": N_("Chat is back to normal."),
    "send_failed": N_("Not sent: %(reason)s"),
    "answered": N_("Answered"),
    "mark_answered": N_("Mark answered"),
    "upvote": N_("Upvote"),
    "delete": N_("Delete"),
    "mute": N_("Mute 10 min"),
    "ban": N_("Ban"),
    "pin": N_("Pin"),
    "unpin": N_("Unpin"),
    "buy": N_("Buy now"),
    "buying": N_("Buying…"),
    "bought": N_("Bought! Order %(ref)s"),
    "reserved": N_("Reserved: order %(ref)s. Pay in My orders."),
    "sold_out": N_("Sold out"),
    "stock_left": N_("In stock: %(num)s"),
    "flash_starts": N_("Flash sale starts in %(time)s"),
    "flash_ends": N_("Flash sale ends in %(time)s"),
    "flash_ahead": N_("On sale now, your video is catching up: ends in %(time)s"),
    "starts_in": N_("Starts in %(time)s"),
    "starting": N_("Starting soon"),
    "follow": N_("Follow"),
    "following": N_("Following"),
    "remind": N_("Remind me"),
    "reminded": N_("Reminder set"),
    "error": N_("Something went wrong. Try again."),
    "login_needed": N_("Log in to do this."),
    "confirm_end": N_("End the show for everyone?"),
    "confirm_cancel": N_("Cancel this order? The buyer is refunded."),
    "confirm_refund": N_("Refund this order?"),
    "tracking_prompt": N_("Tracking number"),
    "key_once": N_("Copy it now: it is shown only once."),
    "camera_error": N_("The camera could not be opened: %(reason)s"),
    "golive_idle": N_("Ready"),
    "golive_camera": N_("Camera on"),
    "golive_connecting": N_("Connecting…"),
    "golive_live": N_("LIVE"),
    "golive_reconnecting": N_("Reconnecting…"),
    "golive_refused": N_("Refused"),
    "golive_stopped": N_("Stopped"),
    "status_reserved": N_("Reserved"),
    "status_paid": N_("Paid"),
    "status_shipped": N_("Shipped"),
    "status_delivered": N_("Delivered"),
    "status_cancelled": N_("Cancelled"),
    "status_expired": N_("Expired"),
    "status_refunded": N_("Refunded"),
    "new_messages": N_("New messages"),
    "you_muted": N_("You are muted: %(reason)s"),
    "address_needed": N_("Where should we send it?"),
    # Refusals by the rule they name (problemText in app.js); other rules show the server's text.
    "rule_sufficient_funds": N_("Your wallet holds less than this costs. Top it up in My wallet."),
    "rule_in_stock": N_("Not enough left in stock."),
    "rule_per_buyer_limit": N_("You have reached this sale's limit per buyer."),
    "rule_show_live": N_("The show is not live."),
    "rule_active_product": N_("This product is not on sale."),
    "rule_reservation_open": N_("The reservation expired; buy again."),
    "money_format": N_("Enter an amount such as 12.50."),
    "checkout_opening": N_("Opening the payment page…"),
    # The studio's flash sales (studio_flash.js).
    "flash_host_starts": N_("Starts in %(time)s"),
    "flash_host_left": N_("%(time)s left"),
    "flash_host_ending": N_("Ending…"),
    "flash_host_sold": N_("Sold: %(sold)s / %(units)s"),
    "flash_end_now": N_("End now"),
    "flash_host_ended": N_("Ended: %(sold)s of %(units)s sold"),
    "flash_host_cancelled": N_("Called off before the start"),
    "flash_regular": N_("Regular price %(price)s · in stock: %(stock)s"),
    "flash_whole_number": N_("Enter a whole number."),
    "rule_no_overlap": N_("This product already has a flash sale at that time."),
}


def error_message(page: "Page", problem: FieldProblem) -> str:
    """The message of a field problem in the page's language (the server's English if no rule matches)."""
    template = RULE_MESSAGES.get(problem.rule)
    return page.gettext(template) if template else problem.message


def js_messages(page: "Page") -> dict[str, str]:
    """The scripts' strings in the page's language."""
    return {key: page.gettext(text) for key, text in JS_MESSAGES.items()}
