"""Sessions end everywhere: a logout, a password change, a role taken away or a ban closes the user's open room
sockets, which can then no longer chat."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from livestall.web.csrf import token_for
from tests.helpers import PASSWORD, login, make_shop, make_show, register
from tests.helpers_db import make_operator
from tests.room_client import RoomClient

NEW_PASSWORD = "Brand-New-Secret-77"


@pytest.fixture()
def two_shows(api):
    host = register(api, roles=["seller", "host"])
    shop = make_shop(api, host)
    ids = []
    for _ in range(2):
        show = make_show(api, host, shop["id"])
        assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
        ids.append(show["id"])
    return host, ids


def ended(client: RoomClient, reason: str) -> None:
    """The socket got the `session_ended` notice naming `reason`, then close 4401 `session_ended`."""
    assert client.wait_closed() == (4401, "session_ended")
    notice = next(f for f in client.frames if f["type"] == "notice")
    assert (notice["code"], notice["reason"]) == ("session_ended", reason)
    with pytest.raises(ConnectionClosed):
        client.send("chat.send", text="still here?")


def refused(room, show_id: int, actor) -> tuple[int, str]:
    again = room(show_id, actor, expect_snapshot=False)
    return again.wait_closed()


def test_logout_closes_the_users_sockets_in_every_show(api, room, two_shows):
    _, (first, second) = two_shows
    viewer, other = register(api), register(api)
    sockets = [room(first, viewer), room(second, viewer)]
    bystander = room(first, other)
    assert sockets[0].request("chat.send", text="before logout")["type"] == "ack"
    assert api.post("/api/v1/auth/logout", headers=viewer.headers).status_code == 204
    for client in sockets:
        ended(client, "logged_out")
    assert refused(room, first, viewer) == (4401, "unauthorized")
    assert bystander.request("chat.send", text="I am still in")["type"] == "ack"


def test_logging_out_of_the_web_page_closes_the_sockets_too(api, room, two_shows, app_server):
    _, (show_id, _) = two_shows
    viewer = register(api)
    client = room(show_id, viewer)
    with httpx.Client(base_url=app_server.url, cookies={"livestall_session": viewer.token}) as browser:
        response = browser.post("/logout", data={"csrf_token": token_for(viewer.token)}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    ended(client, "logged_out")


def test_a_password_change_ends_every_login_of_the_account(api, room, two_shows):
    _, (show_id, _) = two_shows
    viewer = register(api)
    phone = login(api, viewer.email)  # a second login, on another device
    sockets = [room(show_id, viewer), room(show_id, phone)]
    wrong = api.post("/api/v1/me/password", headers=viewer.headers,
                     json={"current_password": "not-it-at-all-1", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    assert sockets[0].request("chat.send", text="nothing changed yet")["type"] == "ack"
    changed = api.post("/api/v1/me/password", headers=viewer.headers,
                       json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    for client in sockets:
        ended(client, "password_changed")
    for old in (viewer, phone):
        assert api.get("/api/v1/me", headers=old.headers).status_code == 401
        assert refused(room, show_id, old) == (4401, "unauthorized")
    fresh = login(api, viewer.email, NEW_PASSWORD)
    assert room(show_id, fresh).request("chat.send", text="new password")["type"] == "ack"
    renewed = changed.json()["token"]  # the device that changed it carries on with the token it got back
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {renewed}"}).status_code == 200


def test_a_role_taken_away_closes_the_sockets_and_one_given_does_not(api, room, two_shows, app_server):
    _, (show_id, _) = two_shows
    operator = make_operator(api, app_server.database_url)
    seller = register(api, roles=["seller", "host"])
    client = room(show_id, seller)
    given = api.put(f"/api/v1/users/{seller.id}/roles", headers=operator.headers,
                    json={"roles": ["viewer", "seller", "host", "agency_admin"]})
    assert given.status_code == 200
    assert client.request("chat.send", text="a role more")["type"] == "ack"
    taken = api.put(f"/api/v1/users/{seller.id}/roles", headers=operator.headers, json={"roles": ["viewer"]})
    assert taken.status_code == 200 and taken.json()["roles"] == ["viewer"]
    ended(client, "roles_changed")
    rejoined = room(show_id, seller)  # still logged in: the room takes them back with what they hold now
    assert rejoined.snapshot["you"]["id"] == seller.id


def test_a_ban_from_one_show_closes_that_shows_socket_only(api, room, two_shows):
    host, (first, second) = two_shows
    viewer = register(api)
    banned_from, elsewhere = room(first, viewer), room(second, viewer)
    moderator = room(first, host)
    assert moderator.request("mod.ban", user_id=viewer.id)["type"] == "ack"
    assert banned_from.wait_closed() == (4403, "banned from this show")
    with pytest.raises(ConnectionClosed):
        banned_from.send("chat.send", text="let me back")
    assert refused(room, first, viewer)[0] == 4403
    assert elsewhere.request("chat.send", text="still welcome here")["type"] == "ack"
