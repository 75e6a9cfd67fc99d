"""Finding the media programs: ffmpeg (Debian's, else the imageio-ffmpeg wheel's) and nginx with rtmp."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from livestall.settings import Settings

RTMP_MODULES = (Path("/usr/lib/nginx/modules/ngx_rtmp_module.so"),
                Path("/usr/lib64/nginx/modules/ngx_rtmp_module.so"),
                Path("/usr/local/nginx/modules/ngx_rtmp_module.so"))


def find_ffmpeg(settings: Settings) -> str | None:
    """The ffmpeg to run: the configured one, the system's, else the binary shipped in imageio-ffmpeg."""
    if settings.ffmpeg_path:
        return settings.ffmpeg_path if Path(settings.ffmpeg_path).exists() else None
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # the wheel carries no binary for this platform
        return None


@dataclass(frozen=True)
class NginxRtmp:
    """An nginx binary and the rtmp module it loads."""

    nginx: str
    module: Path


def find_nginx_rtmp(settings: Settings) -> NginxRtmp | None:
    """nginx and Debian's libnginx-mod-rtmp, when both are installed."""
    if settings.nginx_path:
        nginx = settings.nginx_path if Path(settings.nginx_path).exists() else None
    else:
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    module = next((m for m in RTMP_MODULES if m.exists()), None)
    if nginx is None or module is None:
        return None
    return NginxRtmp(nginx=nginx, module=module)
