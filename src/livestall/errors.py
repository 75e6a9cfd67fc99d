"""Domain errors. Services raise these; one handler in http_errors.py maps them to RFC 9457."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule on one input field."""

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class DomainError(Exception):
    """Base of every error a service raises; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    @classmethod
    def field(cls, field: str, rule: str, message: str) -> "DomainError":
        """An error about a single field."""
        return cls(f"{field}: {message}", [FieldProblem(field, rule, message)])

    def problem(self, instance: str | None = None) -> dict:
        """The RFC 9457 body for this error."""
        body: dict = {
            "type": f"https://livestall.org/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class Invalid(DomainError):
    """Input that breaks a rule (422)."""

    status, title, slug = 422, "Invalid input", "invalid"


class Unauthorized(DomainError):
    """No valid login (401)."""

    status, title, slug = 401, "Not logged in", "unauthorized"


class Forbidden(DomainError):
    """Logged in, but not allowed (403)."""

    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(DomainError):
    """No such thing, or not visible to this user (404)."""

    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    status, title, slug = 409, "Conflict", "conflict"


class TooLarge(DomainError):
    """An upload or body over its size limit (413)."""

    status, title, slug = 413, "Content too large", "too-large"


class UnsupportedMediaType(DomainError):
    """A body in a format the route does not read (415)."""

    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class TooManyRequests(DomainError):
    """Rate limited (429)."""

    status, title, slug = 429, "Too many requests", "rate-limited"


def request_problem(exc) -> DomainError:
    """The domain error of a request FastAPI could not validate (a RequestValidationError)."""
    if isinstance(exc.body, (bytes, bytearray)) and any(e.get("loc", ())[:1] == ("body",) for e in exc.errors()):
        # The route reads JSON, and the body came in another format (FastAPI left it as bytes).
        return UnsupportedMediaType.field("body", "content_type",
                                          "must be JSON, sent as Content-Type: application/json")
    problems = [_from_pydantic(err) for err in exc.errors()]
    return Invalid("; ".join(f"{p.field}: {p.message}" for p in problems) or "invalid request", problems)


def input_problem(exc) -> Invalid:
    """The domain error of input pydantic refused (a ValidationError), outside a request: a room frame."""
    problems = [_from_pydantic(err) for err in exc.errors()]
    return Invalid("; ".join(f"{p.field}: {p.message}" for p in problems) or "invalid input", problems)


def json_input(model, raw: bytes, content_type: str | None):
    """`raw` read as `model`, for a hot route that reads its own body: FastAPI's refusals, without its machinery."""
    from pydantic import ValidationError

    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise UnsupportedMediaType.field("body", "content_type", "must be JSON, sent as Content-Type: application/json")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise input_problem(exc) from None


def body_problem(exc) -> DomainError | None:
    """The field problem behind FastAPI's "error parsing the body" (a Starlette HTTPException), if that is it."""
    if exc.status_code != 400 or exc.detail != "There was an error parsing the body":
        return None
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return Invalid.field("body", "utf8", "must be UTF-8 text")
    return Invalid.field("body", "json", "must be a JSON document")  # e.g. nested too deep to read


def install_handlers(app) -> None:
    """Map DomainError and request validation errors to application/problem+json responses."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    media_type = "application/problem+json"

    async def domain_error(request, exc: DomainError):
        return JSONResponse(exc.problem(request.url.path), status_code=exc.status, media_type=media_type)

    async def validation_error(request, exc: RequestValidationError):
        return await domain_error(request, request_problem(exc))

    async def http_error(request, exc: StarletteHTTPException):
        unreadable = body_problem(exc)
        if unreadable is not None:
            return await domain_error(request, unreadable)
        body = {
            "type": "about:blank",
            "title": _HTTP_TITLES.get(exc.status_code, "Error"),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return JSONResponse(body, status_code=exc.status_code, media_type=media_type,
                            headers=getattr(exc, "headers", None))

    async def out_of_range(request, exc: Exception):
        # A number the database column cannot hold (PostgreSQL integer ids are 32-bit, SQLite's
        # 64-bit): an id that large names nothing, any other such value breaks a range rule.
        if _nul_in_text(exc):  # PostgreSQL text cannot hold NUL: say which parameter had one
            params = [*request.path_params.items(), *request.query_params.multi_items()]
            field = next((name for name, value in params if "\x00" in str(value)), "body")
            return await domain_error(request, Invalid.field(field, "no_control_chars",
                                                             "must not contain control characters such as NUL"))
        if not _too_large_for_the_database(exc):
            raise exc
        for name, value in request.path_params.items():
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if not -2**31 <= number < 2**31:
                return await domain_error(request, NotFound.field(name, "exists", "no such id"))
        if "date value out of range" in str(exc):  # date arithmetic past year 9999
            err = Invalid.field("body", "datetime_range", "a date is too far in the past or the future")
        else:
            err = Invalid.field("body", "out_of_range", "a number is too large")
        return await domain_error(request, err)

    from sqlalchemy.exc import DBAPIError

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, out_of_range)
    app.add_exception_handler(OverflowError, out_of_range)


def _too_large_for_the_database(exc: BaseException | None) -> bool:
    """Whether a database error comes from a number out of the column's range (asyncpg, sqlite3)."""
    for _ in range(10):  # the chain is short: DBAPIError <- driver error <- OverflowError
        if exc is None:
            return False
        if isinstance(exc, OverflowError) or "out of int" in str(exc) or "out of range" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _nul_in_text(exc: BaseException | None) -> bool:
    """Whether a database error is PostgreSQL refusing a NUL character in text (SQLSTATE 22021)."""
    for _ in range(10):
        if exc is None:
            return False
        if "0x00" in str(exc) and "invalid byte sequence" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


_HTTP_TITLES = {400: "Bad request", 401: "Not logged in", 403: "Forbidden", 404: "Not found",
                405: "Method not allowed", 409: "Conflict", 413: "Content too large", 415: "Unsupported media type",
                422: "Invalid input"}


def _from_pydantic(err: dict) -> FieldProblem:
    """A FieldProblem from one pydantic error: the field is the location without 'body'/'query'."""
    loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "header", "form")]
    field = ".".join(loc) or "body"
    rule = err.get("type", "invalid")
    message = err.get("msg", "invalid value")
    if rule == "json_invalid":  # FastAPI puts the character offset where the field would be
        at = loc[0] if loc else "?"
        return FieldProblem("body", "json", f"must be a JSON document ({err.get('ctx', {}).get('error', message)} "
                                            f"at character {at})")
    if rule.startswith("value_error") and message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return FieldProblem(field, rule, message)
