"""Simulcast: a live show is copied to other RTMP servers (a second nginx-rtmp here), a refusing one fails alone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from livestall.media.binaries import RTMP_MODULES
from tests.helpers import make_show, register
from tests.media.support import host_with_show, rtmp_publisher, stream_key, wait_for
from tests.media.test_browser_ingest import Feeder, _ws_url
from tests.services import free_port

RECEIVER_CONF = """\
load_module {module};
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live2 {{
            live on;
            record all;
            record_path {prefix}/rec;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    """Another RTMP server (as YouTube would be) that records what it receives, on its own port."""
    prefix = Path(tmp_path_factory.mktemp("receiver"))
    (prefix / "rec").mkdir()
    module = next((m for m in RTMP_MODULES if m.exists()), None)
    if module is None:
        pytest.skip("libnginx-mod-rtmp is not installed")
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(RECEIVER_CONF.format(module=module, prefix=prefix, port=port))
    proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    yield {"url": f"rtmp://127.0.0.1:{port}/live2", "rec": prefix / "rec"}
    proc.terminate()
    proc.wait(10)


def _targets(api, actor, show_id: int) -> dict:
    response = api.get(f"/api/v1/shows/{show_id}/restreams", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _add(api, actor, show_id: int, **body):
    return api.post(f"/api/v1/shows/{show_id}/restreams", json=body, headers=actor.headers)


def _probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height",
                          "-show_entries", "format=duration", "-of", "json", str(path)],
                         capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout or "{}")


def _error(response) -> tuple[str, str]:
    problem = response.json()
    return problem["errors"][0]["field"], problem["errors"][0]["rule"]


def test_bad_targets_are_refused_naming_field_and_rule(mapi, media_server):
    host, show = host_with_show(mapi)
    cases = [({"preset": "custom", "server_url": "http://example.com/live", "stream_key": "k"},
              ("server_url", "scheme")),
             ({"preset": "youtube", "stream_key": ""}, ("stream_key", "required")),
             ({"preset": "tiktok", "stream_key": "abc"}, ("server_url", "required")),
             ({"preset": "myspace", "stream_key": "abc"}, ("preset", "choice")),
             ({"preset": "custom", "server_url": "rtmp://x.example/app?key=1", "stream_key": "k"},
              ("server_url", "no_query"))]
    for body, expected in cases:
        response = _add(mapi, host, show["id"], **body)
        assert response.status_code == 422 and _error(response) == expected, (body, response.text)
    stranger = register(mapi, roles=["seller"])
    assert _add(mapi, stranger, show["id"], preset="youtube", stream_key="abcd-efgh-1234").status_code == 403
    for n in range(5):
        assert _add(mapi, host, show["id"], preset="youtube", stream_key=f"abcd-efgh-000{n}").status_code == 201
    sixth = _add(mapi, host, show["id"], preset="youtube", stream_key="abcd-efgh-0009")
    assert sixth.status_code == 409 and _error(sixth) == ("targets", "max_targets")
    listed = _targets(mapi, host, show["id"])
    assert len(listed["items"]) == 5 and "abcd-efgh-000" not in json.dumps(listed)
    assert listed["items"][0]["key_hint"] == "abcd-••••0000"
    assert listed["items"][0]["server_url"] == "rtmp://a.rtmp.youtube.com/live2"
    removed = mapi.delete(f"/api/v1/shows/{show['id']}/restreams/{listed['items'][0]['id']}", headers=host.headers)
    assert removed.status_code == 204 and len(_targets(mapi, host, show["id"])["items"]) == 4


def test_shop_defaults_are_copied_to_new_shows(mapi, media_server):
    host, show = host_with_show(mapi)
    shop_id = show["shop_id"]
    added = mapi.post(f"/api/v1/shops/{shop_id}/restreams", headers=host.headers,
                      json={"preset": "facebook", "stream_key": "FB-1234567890-abcd"})
    assert added.status_code == 201 and added.json()["key_hint"] == "FB-••••abcd"
    new_show = make_show(mapi, host, shop_id)
    items = _targets(mapi, host, new_show["id"])["items"]
    assert [(i["preset"], i["server_url"], i["key_hint"]) for i in items] == [
        ("facebook", "rtmps://live-api-s.facebook.com:443/rtmp/", "FB-••••abcd")]
    # a show whose copied target was removed does not get it back
    mapi.delete(f"/api/v1/shows/{new_show['id']}/restreams/{items[0]['id']}", headers=host.headers)
    assert _targets(mapi, host, new_show["id"])["items"] == []


def test_live_show_is_restreamed_and_a_refusing_target_fails_alone(mapi, media_server, receiver):
    host, show = host_with_show(mapi)
    good_key, bad_key = "live_restream3f9a", "live_refused7c1e"
    assert _add(mapi, host, show["id"], preset="custom", server_url=receiver["url"], stream_key=good_key,
                label="Mirror").status_code == 201
    closed = f"rtmp://127.0.0.1:{free_port()}/live2"
    assert _add(mapi, host, show["id"], preset="tiktok", server_url=closed, stream_key=bad_key).status_code == 201
    publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={stream_key(mapi, host)}", seconds=4)
    try:
        def states():
            items = _targets(mapi, host, show["id"])["items"]
            by_label = {i["label"]: i for i in items}
            good, bad = by_label["Mirror"], by_label["TikTok LIVE"]
            return (good, bad) if good["state"] == "live" and bad["state"] == "failing" else None

        good, bad = wait_for(states, timeout=15, every=0.3, what="one target live, the other failing")
        assert bad["reason"] and "refused" in bad["reason"].lower(), bad
        assert bad_key not in json.dumps(bad) and "live_••••7c1e" in bad["reason"]
        assert mapi.get(f"/api/v1/shows/{show['id']}").json()["stream_state"] == "live"  # the show goes on
        publisher.wait(20)
    finally:
        publisher.kill()
        publisher.wait()
    recording = receiver["rec"] / f"{good_key}.flv"
    wait_for(lambda: recording.exists() and _probe(recording).get("format"), timeout=15, what="the recording")
    probe = _probe(recording)
    video = [s for s in probe["streams"] if s["codec_type"] == "video"]
    assert video and video[0]["codec_name"] == "h264" and (video[0]["width"], video[0]["height"]) == (640, 360)
    assert float(probe["format"]["duration"]) >= 2.0, probe
    assert any(s["codec_type"] == "audio" for s in probe["streams"])
    # the keys are in no log the app wrote
    for path in media_server.data_dir.rglob("*.log"):
        text = path.read_text(errors="replace")
        assert good_key not in text and bad_key not in text, path


def test_browser_go_live_is_restreamed(mapi, media_server, receiver, webm_files):
    host, show = host_with_show(mapi)
    key = "live_browser5b2d"
    assert _add(mapi, host, show["id"], preset="custom", server_url=receiver["url"], stream_key=key).status_code == 201
    feeder = Feeder(_ws_url(media_server, show["id"]), host.token, webm_files["h264"].read_bytes()[:400_000], 20)
    feeder.start()
    try:
        wait_for(lambda: _targets(mapi, host, show["id"])["items"][0]["state"] == "live", timeout=20, every=0.3,
                 what="the browser stream restreamed")
    finally:
        feeder.stop.set()
        feeder.join(10)
    recording = receiver["rec"] / f"{key}.flv"
    wait_for(lambda: recording.exists() and _probe(recording).get("streams"), timeout=15, what="the recording")
    assert [s["codec_name"] for s in _probe(recording)["streams"] if s["codec_type"] == "video"] == ["h264"]
