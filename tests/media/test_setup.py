"""What `livestall serve` finds and writes for video: ffmpeg, nginx-rtmp and its config."""

from __future__ import annotations

import asyncio
import logging
import subprocess

import pytest

from livestall.db import make_engine, make_sessionmaker
from livestall.media import nginxconf, rtmp_ingest_url
from livestall.media.binaries import find_ffmpeg, find_nginx_rtmp
from livestall.media.runtime import MediaManager
from livestall.settings import Settings


def test_ffmpeg_falls_back_to_the_wheel_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no system ffmpeg on PATH
    ffmpeg = find_ffmpeg(Settings(data_dir=tmp_path))
    assert ffmpeg and "imageio_ffmpeg" in ffmpeg
    assert subprocess.run([ffmpeg, "-version"], capture_output=True).returncode == 0


def test_without_nginx_rtmp_ingest_is_off_and_says_how_to_turn_it_on(database_url, tmp_path, caplog):
    settings = Settings(data_dir=tmp_path, database_url=database_url, nginx_path="/nonexistent/nginx")
    assert find_nginx_rtmp(settings) is None

    async def run() -> None:
        engine = make_engine(database_url)
        manager = MediaManager(settings, make_sessionmaker(engine))
        try:
            await manager.start()
            assert manager.nginx is None
        finally:
            await manager.stop()
            await engine.dispose()

    with caplog.at_level(logging.WARNING, logger="livestall.media"):
        asyncio.run(run())
    assert "RTMP ingest is off" in caplog.text and "apt-get install nginx libnginx-mod-rtmp" in caplog.text
    assert not (tmp_path / "nginx" / "nginx.conf").exists()


def test_nginx_config_keeps_everything_in_the_data_directory(tmp_path):
    settings = Settings(data_dir=tmp_path, port=8123, rtmp_port=19350, rtmp_host="127.0.0.1")
    rtmp = find_nginx_rtmp(settings)
    if rtmp is None:
        pytest.skip("nginx with libnginx-mod-rtmp is not installed")
    text = nginxconf.render(settings, rtmp, "s3cret")
    assert text.startswith("# Written by livestall") and f"load_module {rtmp.module};" in text
    assert "listen 127.0.0.1:19350;" in text and "hls_fragment 1s;" in text
    assert "on_publish http://127.0.0.1:8123/internal/rtmp/s3cret/on_publish;" in text
    assert f"pid {tmp_path.resolve()}/nginx/nginx.pid;" in text
    for line in text.splitlines():
        if "_path " in line or line.strip().startswith(("pid ", "error_log ")):
            assert str(tmp_path.resolve()) in line, line
    conf = nginxconf.write(settings, rtmp, "s3cret")
    check = subprocess.run([rtmp.nginx, "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_rtmp_url_for_publishers_uses_the_configured_port_and_host():
    settings = Settings(public_url="https://live.example.com", rtmp_port=1936)
    assert rtmp_ingest_url(settings) == "rtmp://live.example.com:1936/live/{show_id}"
    assert rtmp_ingest_url(Settings(rtmp_public_host="ingest.example.com")).startswith("rtmp://ingest.example.com:1935/")
