"""Security headers on every response; login tokens, stream keys and secrets never reach the log."""

from __future__ import annotations

import re
import time

import pytest

from tests.helpers import make_shop, make_show, register
from tests.room_client import RoomClient


def test_every_response_carries_the_security_headers(api):
    for response in (api.get("/api/v1/shows"), api.get("/api/v1/shows/999999999"), api.get("/healthz"),
                     api.get("/static/css/app.css"), api.post("/api/v1/auth/login", json={})):
        where = f"{response.request.method} {response.request.url.path} {response.status_code}"
        assert response.headers["x-content-type-options"] == "nosniff", where
        assert response.headers["referrer-policy"] == "same-origin", where
        assert "camera=(self)" in response.headers["permissions-policy"], where
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], where
        assert "strict-transport-security" not in response.headers, where  # plain http: HSTS would be a lie
    page = api.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy  # the page's own policy is kept
    behind_tls = api.get("/api/v1/shows", headers={"X-Forwarded-Proto": "https"})  # from the trusted local proxy
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")


def test_tokens_stream_keys_and_secrets_never_reach_the_log(api, app_server):
    host = register(api, roles=["seller", "host"])
    show = make_show(api, host, make_shop(api, host)["id"])
    key = api.post("/api/v1/me/stream-key", headers=host.headers).json()["key"]
    # the token travels in a header, a query string and a cookie; the key as nginx-rtmp hands it over
    assert api.get("/api/v1/me", headers=host.headers).status_code == 200
    assert api.get(f"/api/v1/me?token={host.token}&key={key}", headers=host.headers).status_code == 200
    assert api.get("/account", headers={"Cookie": f"livestall_session={host.token}"}).status_code == 200
    with RoomClient(app_server.ws_base, show["id"], host.token):
        pass
    conf = app_server.data_dir / "nginx" / "nginx.conf"
    if not conf.exists():
        pytest.skip("nginx-rtmp is not installed: no RTMP callbacks to send a key through")
    callback = re.search(r"on_publish (http://\S+/on_publish);", conf.read_text()).group(1)
    secret = callback.split("/")[-2]
    form = {"name": str(show["id"]), "key": key, "addr": "127.0.0.1", "tcurl": f"rtmp://x/live?key={key}"}
    assert api.post(callback, data=form).status_code == 204  # the key opens the stream
    assert api.post(callback, data={**form, "key": key[:-4] + "AAAA"}).status_code == 409  # already live
    assert api.post(callback + "_done", data=form).status_code in (200, 204)
    time.sleep(0.5)  # the log is written by the server process
    log = app_server.log_path.read_text(errors="replace")
    assert f"/shows/{show['id']}" in log or "RTMP publish" in log  # the log did record this test's traffic
    for secret_value in (host.token, key, key[:-4] + "AAAA", secret):
        assert secret_value not in log
