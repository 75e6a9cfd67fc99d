"""The browser fixtures of the web tests, for the auction pages."""

from tests.web.conftest import chromium, open_page, screenshot  # noqa: F401
