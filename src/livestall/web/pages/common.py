"""What every page shares: who is asking and in which language, rendering, forms, errors and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from livestall.accounts.deps import OptionalUser
from livestall.accounts.models import User
from livestall.errors import (DomainError, FieldProblem, Invalid, Unauthorized, _from_pydantic, body_problem,
                              request_problem)
from livestall.media.janus import public_ws_url as janus_ws_url
from livestall.realtime.config import ws_base_url
from livestall.web import csrf, i18n
from livestall.web.messages import error_message, js_messages
from livestall.web.templating import environment, gettext_callables

LANG_COOKIE = "livestall_lang"
TZ_COOKIE = "livestall_tz"
CURRENCY_COOKIE = "livestall_currency"
YEAR_S = 365 * 86400


@dataclass
class Page:
    """One page view: the user, their language, time zone and currency, and the form token."""

    request: Request
    user: User | None
    lang: str
    currency: str
    l10n: i18n.Localizer
    csrf_token: str
    new_seed: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)  # to set on the response

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in i18n.RTL else "ltr"

    @property
    def settings(self):
        return self.request.app.state.settings

    def gettext(self, message: str, **values: Any) -> str:
        text = i18n.translations(self.lang).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = i18n.translations(self.lang).ngettext(singular, plural, n)
        return text % {"num": n, **values}


def build_page(request: Request, user: User | None) -> Page:
    """The page context of a request (without reading the database)."""
    settings = request.app.state.settings
    cookies = request.cookies
    lang = i18n.negotiate(profile=user.language if user else None, cookie=cookies.get(LANG_COOKIE),
                          accept_language=request.headers.get("accept-language"))
    currency = user.currency if user else cookies.get(CURRENCY_COOKIE) or i18n.LANGUAGE_CURRENCY[lang]
    if currency not in settings.fx_per_usd:
        currency = i18n.LANGUAGE_CURRENCY[lang]
    seed = csrf.seed_of(cookies, settings.session_cookie)
    new_seed = None
    if seed is None:
        seed = new_seed = csrf.new_seed()
    return Page(request=request, user=user, lang=lang, currency=currency,
                l10n=i18n.Localizer(lang, i18n.zone(cookies.get(TZ_COOKIE))), csrf_token=csrf.token_for(seed),
                new_seed=new_seed)


async def get_page(request: Request, user: OptionalUser) -> Page:
    """Dependency: the page context."""
    request.state.page_user = user  # for an error page raised later in the request
    return build_page(request, user)


PageDep = Annotated[Page, Depends(get_page)]


def require_user(page: Page) -> User:
    """The logged-in user, or Unauthorized (which sends a browser to the login page)."""
    if page.user is None:
        raise Unauthorized("log in first")
    return page.user


def _security_headers(page: Page, embeddable: bool) -> dict[str, str]:
    settings = page.settings
    room = ws_base_url(settings)
    policy = "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:", "worker-src 'self' blob:",
        f"connect-src 'self' {room} {janus_ws_url(settings)}",
        "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors *" if embeddable else "frame-ancestors 'none'",
    ])
    # private: every page carries its browser's CSRF token, so no shared cache may keep one
    headers = {"Content-Security-Policy": policy, "Cache-Control": "private, no-cache",
               "Vary": "Accept-Language, Cookie", "Referrer-Policy": "same-origin",
               "X-Content-Type-Options": "nosniff"}
    if not embeddable:
        headers["X-Frame-Options"] = "DENY"
    return headers


def apply_cookies(page: Page, response: Response) -> Response:
    """Set the seed cookie of a new browser, and any cookie the handler asked for."""
    settings = page.settings
    if page.new_seed:
        response.set_cookie(csrf.SEED_COOKIE, page.new_seed, max_age=YEAR_S, httponly=True, samesite="lax",
                            secure=settings.cookie_secure, path="/")
    for name, value in page.cookies.items():
        response.set_cookie(name, value, max_age=YEAR_S, httponly=False, samesite="lax",
                            secure=settings.cookie_secure, path="/")
    return response


def render(page: Page, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
           embeddable: bool = False) -> HTMLResponse:
    """The page `template` in the page's language."""
    values = {
        "page": page, "user": page.user, "lang": page.lang, "dir": page.dir, "l10n": page.l10n,
        "csrf_token": page.csrf_token, "languages": i18n.LANGUAGES, "language_names": i18n.LANGUAGE_NAMES,
        "request": page.request, "path": page.request.url.path, "js_messages": js_messages(page),
        **gettext_callables(i18n.translations(page.lang)), **(context or {}),
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status, headers=_security_headers(page, embeddable))
    return apply_cookies(page, response)


def redirect(page: Page, url: str) -> Response:
    """303 See Other to `url` (after a form post), keeping the page's cookies."""
    return apply_cookies(page, RedirectResponse(url, status_code=303))


def safe_next(url: str | None, default: str = "/") -> str:
    """A local path to go back to, never another site."""
    if not url or not url.startswith("/") or "\\" in url or any(ord(c) < 33 for c in url):
        return default  # browsers drop tabs and newlines: "/\t/evil.example" would be "//evil.example"
    return default if url.startswith("//") else url


def login_url(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(path, safe='/')}"


# -- forms -------------------------------------------------------------------------------------

class Form:
    """A posted form (urlencoded, multipart, or JSON for API clients), CSRF-checked."""

    def __init__(self, data: FormData | dict[str, Any]) -> None:
        self.data = data

    def get(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        return value.strip() if isinstance(value, str) else default if value is None else str(value)

    def getlist(self, name: str) -> list[str]:
        if isinstance(self.data, FormData):
            return [v for v in self.data.getlist(name) if isinstance(v, str)]
        value = self.data.get(name, [])
        return [str(v) for v in (value if isinstance(value, list) else [value])]

    def files(self, name: str) -> list[UploadFile]:
        if not isinstance(self.data, FormData):
            return []
        return [f for f in self.data.getlist(name) if isinstance(f, UploadFile) and f.filename]

    def values(self, *names: str) -> dict[str, str]:
        """What the user typed, to show again beside the errors."""
        return {name: self.get(name) for name in names}


async def read_form(request: Request) -> Form:
    """The posted form; a browser's post must carry this browser's CSRF token."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # not JSON, or not UTF-8
            raise Invalid.field("body", "json", "must be a JSON document") from None
        form = Form(body if isinstance(body, dict) else {})
    else:
        form = Form(await request.form())
    token = request.headers.get(csrf.HEADER) or form.get(csrf.FIELD)
    if not csrf.form_ok(request.headers, request.cookies, request.app.state.settings.session_cookie, token):
        raise csrf.refusal()
    return form


FormDep = Annotated[Form, Depends(read_form)]


class FormErrors(dict):
    """Field name → translated message, for the form to show beside each field."""

    @classmethod
    def of(cls, page: Page, problems: list[FieldProblem], detail: str = "") -> "FormErrors":
        errors = cls()
        for problem in problems:
            errors.setdefault(problem.field.split(".")[0], error_message(page, problem))
        if not problems and detail:
            errors["_form"] = detail
        return errors


def problems_of(exc: ValidationError | DomainError) -> list[FieldProblem]:
    """The field problems of a failed validation or a refused service call."""
    if isinstance(exc, ValidationError):
        return [_from_pydantic(err) for err in exc.errors()]
    return list(exc.errors)


# -- errors as pages ----------------------------------------------------------------------------

def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or "authorization" in request.headers


def error_response(request: Request, exc: DomainError) -> Response:
    """A refused page request: to the login page when not logged in, else an error page."""
    if wants_json(request):
        return JSONResponse(exc.problem(request.url.path), status_code=exc.status,
                            media_type="application/problem+json")
    if isinstance(exc, Unauthorized) and request.method == "GET":
        return RedirectResponse(login_url(request), status_code=303)
    page = build_page(request, getattr(request.state, "page_user", None))
    titles = {401: page.gettext("Please log in"), 403: page.gettext("Not allowed"),
              404: page.gettext("Not found"), 409: page.gettext("That cannot be done now"),
              422: page.gettext("Check what you entered")}
    message = error_message(page, exc.errors[0]) if exc.errors else page.gettext(
        "Sorry, this cannot be done.")
    if getattr(exc, "slug", "") == "csrf":
        message = page.gettext("This form has expired. Go back, reload the page and try again.")
    return render(page, "error.html", {"title": titles.get(exc.status, page.gettext("Something went wrong")),
                                       "message": message, "status": exc.status}, status=exc.status)


class PageRoute(APIRoute):
    """A page route: domain errors become pages in the user's language (statuses unchanged)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_response(request, exc)
            except RequestValidationError as exc:  # a bad query value or path part: a page, not JSON
                return error_response(request, request_problem(exc))
            except HTTPException as exc:  # e.g. a form that cannot be parsed
                problem = body_problem(exc)
                if problem is None:
                    problem = DomainError(str(exc.detail))
                    problem.status = exc.status_code
                return error_response(request, problem)

        return page_handler
