"""The websites each shop allows to embed its shows: the list, its rules, and who may frame or join from where."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow
from livestall.errors import FieldProblem, Invalid

MAX_ORIGINS = 20
ANY_SITE = "*"  # an explicit entry that opens the shop's player to every website
MAX_LENGTH = 200
# A host name: dot-separated labels of letters, digits and dashes (an IDN is typed in its xn-- form).
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")


class EmbedOrigin(Base):
    """One website (scheme://host[:port]) allowed to put a shop's shows in a frame."""

    __tablename__ = "shop_embed_origins"
    __table_args__ = (UniqueConstraint("shop_id", "origin", name="uq_shop_embed_origins_shop_origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def normalize_origin(text: str, field: str) -> str:
    """`text` as an origin browsers send ("https://shop.example", "https://*.example.com", or "*"), else Invalid."""
    value = text.strip()

    def refuse(rule: str, message: str) -> Invalid:
        return Invalid(f"{field}: {message}", [FieldProblem(field, rule, message)])

    if value == ANY_SITE:
        return ANY_SITE
    if len(value) > MAX_LENGTH:
        raise refuse("too_long", f"an origin has at most {MAX_LENGTH} characters")
    if any(ord(c) < 33 or ord(c) > 126 for c in value):
        raise refuse("origin_format", "an origin is scheme://host[:port], such as https://shop.example")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("origin_scheme", "an origin starts with https:// (or http://)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise refuse("origin_no_path", "an origin is scheme://host[:port] only: no path, query or user name")
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise refuse("origin_format", "the port is a number from 1 to 65535") from None
    wildcard = host.startswith("*.")
    if "*" in (host[2:] if wildcard else host) or (wildcard and "." not in host[2:]):
        raise refuse("origin_wildcard", "the only wildcard is a whole first label, as in https://*.example.com")
    if not _HOST.match(host[2:] if wildcard else host) and not _is_ip_literal(host):
        raise refuse("origin_format", "an origin is scheme://host[:port], such as https://shop.example")
    netloc = host if port is None else f"{host}:{port}"
    if host.count(":"):  # an IPv6 literal keeps its brackets
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def normalize_origins(values: list[str], field: str = "origins") -> list[str]:
    """The list as stored: each origin normalized, blanks skipped, duplicates once, at most MAX_ORIGINS."""
    kept: list[str] = []
    problems: list[FieldProblem] = []
    for index, text in enumerate(values):
        if not str(text).strip():
            continue
        try:
            origin = normalize_origin(str(text), f"{field}[{index}]")
        except Invalid as exc:
            problems.extend(exc.errors)
            continue
        if origin not in kept:
            kept.append(origin)
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    if len(kept) > MAX_ORIGINS:
        message = f"a shop lists at most {MAX_ORIGINS} websites"
        raise Invalid(f"{field}: {message}", [FieldProblem(field, "max_origins", message)])
    return kept


def origin_matches(origin: str, allowed: list[str]) -> bool:
    """Whether a page origin (as a browser sends it) is one of `allowed`, `*.example.com` entries included."""
    origin = origin.strip().rstrip("/").lower()
    for entry in allowed:
        if entry == ANY_SITE or entry == origin:
            return True
        scheme, _, host = entry.partition("://")
        if host.startswith("*."):
            their_scheme, _, their_host = origin.partition("://")
            if their_scheme == scheme and their_host.endswith(host[1:]) and len(their_host) > len(host) - 1:
                return True
    return False


def frame_ancestors(allowed: list[str]) -> str:
    """The CSP frame-ancestors sources for a shop's list: always 'self', plus its sites (or any, for `*`)."""
    if ANY_SITE in allowed:
        return "*"
    return " ".join(["'self'", *allowed])


async def list_embed_origins(*, session: AsyncSession, shop_id: int) -> list[str]:
    """The origins a shop allows, in the order they were added."""
    rows = await session.scalars(select(EmbedOrigin.origin).where(EmbedOrigin.shop_id == shop_id)
                                 .order_by(EmbedOrigin.id))
    return list(rows)


async def do_set_embed_origins(*, session: AsyncSession, shop_id: int, origins: list[str]) -> list[str]:
    """Replace a shop's list with `origins` (validated first: a refused list changes nothing)."""
    kept = normalize_origins(origins)
    await session.execute(delete(EmbedOrigin).where(EmbedOrigin.shop_id == shop_id))
    session.add_all([EmbedOrigin(shop_id=shop_id, origin=origin) for origin in kept])
    await session.flush()
    return kept
