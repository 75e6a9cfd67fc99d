"""The nginx config for RTMP ingest, written into the data directory at each start."""

from __future__ import annotations

from pathlib import Path

from livestall.media.binaries import NginxRtmp
from livestall.media.paths import hls_root, nginx_dir
from livestall.settings import Settings

TEMPLATE = """\
# Written by livestall at each start; edits are lost.
load_module {module};
daemon off;
# One process, supervised by the app: if it dies, no orphaned worker keeps the RTMP port.
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log {log_level};

events {{
    worker_connections 4096;
}}

rtmp {{
    server {{
        listen {listen};
        chunk_size 4096;
        # OBS and phone apps publish to rtmp://HOST:{port}/live/{{show_id}}?key={{stream_key}}
        application live {{
            live on;
            record off;
            # only this machine plays (the transcode ladder pulls from here); viewers get HLS
            allow play 127.0.0.1;
            deny play all;
            drop_idle_publisher 10s;
            # the app checks the key; the query string's args travel with the callback
            notify_method post;
            on_publish {callback}/on_publish;
            on_publish_done {callback}/on_publish_done;
            hls on;
            hls_path {hls_path};
            hls_nested on;
            hls_fragment 1s;
            hls_playlist_length 6s;
            hls_continuous on;
            # segments are kept for the replay; the app deletes them after the retention period
            hls_cleanup off;
            hls_fragment_naming system;
        }}
    }}
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    # lets the app drop a publisher whose show has ended
    server {{
        listen unix:{prefix}/control.sock;
        location /control {{
            rtmp_control all;
        }}
    }}
}}
"""


def callback_base(settings: Settings, secret: str) -> str:
    """The app's RTMP callback URL prefix, on loopback, carrying the per-start secret."""
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "localhost") else settings.host
    if host == "::":
        host = "[::1]"
    return f"http://{host}:{settings.port}/internal/rtmp/{secret}"


def render(settings: Settings, rtmp: NginxRtmp, secret: str) -> str:
    """The nginx.conf text for these settings."""
    prefix = nginx_dir(settings)
    listen = f"{settings.rtmp_host}:{settings.rtmp_port}" if settings.rtmp_host else str(settings.rtmp_port)
    return TEMPLATE.format(module=rtmp.module, prefix=prefix, listen=listen, port=settings.rtmp_port,
                           callback=callback_base(settings, secret), hls_path=hls_root(settings),
                           log_level="info" if settings.log_level.upper() == "DEBUG" else "warn")


def write(settings: Settings, rtmp: NginxRtmp, secret: str) -> Path:
    """Write nginx.conf (and the folders it names); return its path."""
    prefix = nginx_dir(settings)
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    hls_root(settings).mkdir(parents=True, exist_ok=True)
    (prefix / "control.sock").unlink(missing_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(render(settings, rtmp, secret))
    return path
