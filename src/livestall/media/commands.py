"""The ffmpeg command lines: browser ingest to HLS and RTP, the RTMP transcode ladder, thumbnails (and running one)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

# 1 s keyframes, whatever the frame rate, so that segments are 1 s long.
KEYFRAMES_1S = ["-force_key_frames", "expr:gte(t,n_forced*1)"]
X264_LIVE = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", *KEYFRAMES_1S]
AAC = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]


def fit_short_side(size: int) -> str:
    """A scale filter that brings the shorter side down to `size` (never up), keeping the shape."""
    # Bound the shorter side, not the height: a phone held upright sends 720x1280, which must stay 720x1280.
    short = f"trunc(min({size},%s)/2)*2"
    return f"scale=w='if(gt(iw,ih),-2,{short % 'iw'})':h='if(gt(iw,ih),{short % 'ih'},-2)'"


def browser_hls(ffmpeg: str, out_dir: Path, *, transcode: bool) -> list[str]:
    """WebM chunks on stdin to HLS: video copied when H.264 (else x264, at most 720p, portrait kept), audio to AAC."""
    video = [*X264_LIVE, "-b:v", "2500k", "-maxrate", "3000k", "-bufsize", "3000k",
             "-vf", fit_short_side(720)] if transcode else ["-c:v", "copy"]
    # A new name prefix per start: a restarted ffmpeg never overwrites a segment the replay keeps.
    prefix = f"b{int(time.time() * 1000)}"
    return [ffmpeg, "-hide_banner", "-loglevel", "warning",
            "-fflags", "+genpts", "-probesize", "1000000", "-analyzeduration", "1000000",
            "-f", "matroska", "-i", "pipe:0", "-map", "0:v:0", "-map", "0:a:0?", *video, *AAC,
            "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
            "-hls_flags", "independent_segments+append_list+discont_start+temp_file+omit_endlist",
            "-hls_segment_filename", str(out_dir / f"{prefix}-%d.ts"), str(out_dir / "index.m3u8")]


def browser_rtp(ffmpeg: str, video_port: int, audio_port: int, *, opus: bool, video_pt: int = 96,
                audio_pt: int = 111) -> list[str]:
    """WebM chunks on stdin to Janus's RTP ports: H.264 copied, Opus copied (anything else turned into Opus)."""
    # Browsers record Opus already: copying it keeps the forwarder as cheap as the video copy. A copied Opus
    # packet cannot be split over RTP packets and browsers send up to 60 ms in one, so the audio packets may be
    # larger than the video's (still under a 1500-byte path once Janus adds SRTP).
    audio = ["-c:a", "copy"] if opus else ["-c:a", "libopus", "-b:a", "64k", "-ar", "48000", "-ac", "2",
                                           "-application", "lowdelay", "-frame_duration", "20"]
    audio_packet = 1400 if opus else 1200
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-fflags", "+genpts+nobuffer", "-flags", "low_delay",
            "-probesize", "500000", "-analyzeduration", "500000", "-f", "webm", "-i", "pipe:0",
            "-map", "0:v:0", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb",
            "-f", "rtp", "-payload_type", str(video_pt), f"rtp://127.0.0.1:{video_port}?pkt_size=1200",
            "-map", "0:a:0?", *audio,
            "-f", "rtp", "-payload_type", str(audio_pt), f"rtp://127.0.0.1:{audio_port}?pkt_size={audio_packet}"]


def ladder(ffmpeg: str, rtmp_url: str, out_dir: Path) -> list[str]:
    """An RTMP stream (pulled from the local nginx) to a 720p + 360p HLS ladder (shorter side) with a master playlist."""
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-i", rtmp_url,
            "-filter_complex", f"[0:v]split=2[a][b];[a]{fit_short_side(720)}[v0];[b]{fit_short_side(360)}[v1]",
            "-map", "[v0]", "-map", "0:a:0", "-map", "[v1]", "-map", "0:a:0",
            *X264_LIVE, "-b:v:0", "2800k", "-maxrate:v:0", "3000k", "-bufsize:v:0", "3000k",
            "-b:v:1", "800k", "-maxrate:v:1", "900k", "-bufsize:v:1", "900k", *AAC,
            "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
            "-hls_flags", "independent_segments+delete_segments+temp_file+omit_endlist",
            "-master_pl_name", "index.m3u8", "-var_stream_map", "v:0,a:0,name:720p v:1,a:1,name:360p",
            "-hls_segment_filename", str(out_dir / "%v" / "s-%d.ts"), str(out_dir / "%v" / "index.m3u8")]


def thumbnail(ffmpeg: str, segment: Path, out: Path, *, width: int = 640, shrink_only: bool = False,
              quality: int = 4) -> list[str]:
    """One frame of a segment as a JPEG `width` pixels wide (or narrower, when `shrink_only`), height to scale."""
    scale = f"scale='min({width},iw)':-2" if shrink_only else f"scale={width}:-2"
    return [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(segment), "-an", "-frames:v", "1",
            "-vf", scale, "-q:v", str(quality), str(out)]


async def write_thumbnail(ffmpeg: str, segment: Path, out: Path, *, timeout_s: float, width: int = 640,
                          shrink_only: bool = False, quality: int = 4) -> bool:
    """Write the first frame of `segment` to `out` as a JPEG; whether ffmpeg made it in time."""
    command = thumbnail(ffmpeg, segment, out, width=width, shrink_only=shrink_only, quality=quality)
    process = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await asyncio.wait_for(process.wait(), timeout_s)
    except TimeoutError:
        return False
    finally:
        if process.returncode is None:  # timed out or cancelled (shutdown): leave no ffmpeg behind
            process.kill()
            await process.wait()
    return process.returncode == 0 and out.exists()
