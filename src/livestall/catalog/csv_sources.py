"""Where an imported product's photos come from: a file of the uploaded ZIP, a URL, or this site's own uploads.

Each photo is fetched once per import, with a time and size limit, and goes through the checks of every upload
(`images.clean_image`): a bad one is a problem of the row that names it, not a failed import.
"""

from __future__ import annotations

import asyncio
import ipaddress
import posixpath
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from livestall.catalog.images import CleanImage, clean_image
from livestall.errors import DomainError

MAX_REDIRECTS = 3
MAX_ARCHIVE_FILES = 5000


class SourceProblem(Exception):
    """A photo that cannot be used: the rule it breaks and why."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


@dataclass(frozen=True)
class Limits:
    """How far the import goes for a photo."""

    max_bytes: int
    max_pixels: int
    timeout_s: float
    allow_private: bool  # development only: URLs on loopback and private addresses
    public_url: str  # this site: its upload URLs are read from the disk, not over HTTP
    upload_dir: Path


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _checked_address(host: str, port: int, allow_private: bool) -> str | None:
    """The address to connect to (None: connect by name), refusing private ones unless allowed."""
    if allow_private:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise SourceProblem("image_reachable", f"{host} does not resolve") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(_is_public(a) for a in addresses):
        raise SourceProblem("public_address", f"{host} is a private or loopback address")
    return addresses[0]


class ImageSources:
    """Fetches the photos of one import: from the archive when one was uploaded, else by URL."""

    def __init__(self, limits: Limits, archive: zipfile.ZipFile | None = None) -> None:
        self.limits = limits
        self.archive = archive
        self.files = {}
        if archive is not None:
            for info in archive.infolist()[:MAX_ARCHIVE_FILES]:
                if not info.is_dir() and not info.filename.startswith("__MACOSX/"):
                    self.files.setdefault(info.filename.lower(), info)
                    self.files.setdefault(posixpath.basename(info.filename).lower(), info)
        self.cache: dict[str, asyncio.Task] = {}
        self.gate = asyncio.Semaphore(4)  # a few downloads at a time: the shop's server is not a crawler

    async def get(self, src: str) -> CleanImage:
        """The checked photo `src` names (fetched once per import), or SourceProblem."""
        if src not in self.cache:
            self.cache[src] = asyncio.ensure_future(self._load(src))
        return await asyncio.shield(self.cache[src])

    async def _load(self, src: str) -> CleanImage:
        async with self.gate:
            data = await self._bytes(src)
        try:
            return await asyncio.to_thread(clean_image, data, max_bytes=self.limits.max_bytes,
                                           max_pixels=self.limits.max_pixels)
        except DomainError as exc:
            problem = exc.errors[0]
            raise SourceProblem(problem.rule, problem.message) from None

    async def _bytes(self, src: str) -> bytes:
        own = self._own_upload(src)
        if own is not None:
            return await asyncio.to_thread(self._read_upload, own)
        scheme = urlsplit(src).scheme.lower()
        if scheme in ("http", "https"):
            return await self._download(src)
        if self.archive is None:
            raise SourceProblem("image_url", "must be an http(s):// URL, or a file of the uploaded ZIP archive")
        return self._from_archive(src)

    def _own_upload(self, src: str) -> str | None:
        """The path under the upload directory that an URL of this site's uploads names, if it is one."""
        for prefix in (f"{self.limits.public_url.rstrip('/')}/media/uploads/", "/media/uploads/"):
            if src.startswith(prefix):
                return unquote(src[len(prefix):].split("?")[0])
        return None

    def _read_upload(self, relative: str) -> bytes:
        root = self.limits.upload_dir.resolve()
        path = (root / relative).resolve()
        if root not in path.parents or not path.is_file():
            raise SourceProblem("image_found", "no such photo on this site")
        if path.stat().st_size > self.limits.max_bytes:
            raise SourceProblem("max_size", f"must be at most {self.limits.max_bytes} bytes")
        return path.read_bytes()

    def _from_archive(self, src: str) -> bytes:
        name = src.replace("\\", "/").lstrip("./").lower()
        info = self.files.get(name) or self.files.get(posixpath.basename(name))
        if info is None:
            raise SourceProblem("image_found", f"{src} is not in the ZIP archive")
        if info.file_size > self.limits.max_bytes:  # the declared size; the read below is capped as well
            raise SourceProblem("max_size", f"must be at most {self.limits.max_bytes} bytes")
        try:
            with self.archive.open(info) as member:
                data = member.read(self.limits.max_bytes + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
            raise SourceProblem("image_found", f"{src} cannot be read from the ZIP archive") from None
        if len(data) > self.limits.max_bytes:
            raise SourceProblem("max_size", f"must be at most {self.limits.max_bytes} bytes")
        return data

    async def _download(self, url: str) -> bytes:
        timeout = httpx.Timeout(self.limits.timeout_s)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                data, redirect = await self._get(client, url)
                if data is not None:
                    return data
                url = redirect  # followed by hand, so that its address is checked too
        raise SourceProblem("image_found", "too many redirects")

    async def _get(self, client: httpx.AsyncClient, url: str) -> tuple[bytes | None, str]:
        """The body of a 200 answer, or (None, where a redirect points)."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise SourceProblem("image_url", "not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise SourceProblem("image_url", "must be an http(s):// URL without a user name or password")
        address = await _checked_address(parts.hostname, port, self.limits.allow_private)
        target, headers, extensions = httpx.URL(url), {}, {}
        if address is not None:  # connect to the address that was checked, not to a second lookup's answer
            headers = {"Host": target.netloc.decode("ascii")}
            extensions = {"sni_hostname": target.raw_host.decode("ascii")}
            target = target.copy_with(host=address)
        try:
            async with client.stream("GET", target, headers=headers, extensions=extensions) as response:
                if response.is_redirect and "location" in response.headers:
                    return None, str(httpx.URL(url).join(response.headers["location"]))
                if response.status_code != 200:
                    raise SourceProblem("image_found", f"the server answered {response.status_code}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.limits.max_bytes:
                    raise SourceProblem("max_size", f"must be at most {self.limits.max_bytes} bytes")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > self.limits.max_bytes:
                        raise SourceProblem("max_size", f"must be at most {self.limits.max_bytes} bytes")
                return bytes(data), ""
        except httpx.TimeoutException:
            raise SourceProblem("image_reachable", f"no answer within {self.limits.timeout_s:g} s") from None
        except (httpx.HTTPError, OSError, ValueError):
            raise SourceProblem("image_reachable", "the server cannot be reached") from None
