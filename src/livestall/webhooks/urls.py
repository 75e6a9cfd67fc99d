"""Where a webhook may point: HTTPS on a public address (development may allow http and private ones)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from livestall.errors import Invalid


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the system's order of preference (an IP literal is itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


async def check_url(url: str, *, allow_private: bool, field: str = "url") -> str:
    """The URL if a webhook may be sent there, else Invalid naming the rule it breaks."""
    await public_addresses(url, allow_private=allow_private, field=field)
    return url


async def public_addresses(url: str, *, allow_private: bool, field: str = "url") -> list[str]:
    """The checked addresses a request to `url` may connect to (none to pin when private ones are allowed)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Invalid.field(field, "url", "not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid.field(field, "https", "the URL must start with https://")
    if parts.scheme != "https" and not allow_private:
        raise Invalid.field(field, "https", "the URL must start with https://")
    if parts.username or parts.password:
        raise Invalid.field(field, "no_credentials", "put no user name or password in the URL; the signature "
                                                     "authenticates each delivery")
    if allow_private:
        return []
    try:
        addresses = await resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise Invalid.field(field, "resolvable", f"{parts.hostname} does not resolve") from None
    private = [a for a in addresses if not _is_public(a)]
    if private:
        raise Invalid.field(field, "public_address",
                            f"{parts.hostname} resolves to a private or loopback address ({private[0]})")
    return addresses
