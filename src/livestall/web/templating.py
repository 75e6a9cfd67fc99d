"""The Jinja2 environment of the pages: autoescaped, with gettext bound per request."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.ext import _make_new_gettext, _make_new_ngettext
from markupsafe import Markup

from livestall import __version__

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _json_script(value) -> Markup:
    """JSON safe inside <script type="application/json">: no '</script>' can end it early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one template environment of the process."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # %(name)s placeholders, escaped values
    env.filters["json_script"] = _json_script
    env.globals["static"] = static_url
    return env


def gettext_callables(translations) -> dict:
    """`_`, `gettext` and `ngettext` for one render, in the language of `translations`."""
    gettext = _make_new_gettext(translations.gettext)
    return {"_": gettext, "gettext": gettext, "ngettext": _make_new_ngettext(translations.ngettext)}


def static_url(path: str) -> str:
    """The URL of a static file, with a version so that browsers refetch it after an upgrade."""
    try:
        stamp = int((STATIC / path).stat().st_mtime)
    except OSError:
        stamp = 0
    return f"/static/{path}?v={__version__}.{stamp}"
