"""The browser fixture of the web tests, for the openings pages."""

from tests.web.conftest import chromium  # noqa: F401
