"""The media side of a running app: nginx-rtmp, ffmpeg processes, recorders and the media jobs."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from livestall import metrics
from livestall.media import commands, nginxconf, service
from livestall.media.binaries import NginxRtmp, find_ffmpeg, find_nginx_rtmp
from livestall.media.clip_cutter import ClipCutter
from livestall.media.janus_bridge import SubSecondStage
from livestall.media.paths import ladder_dir, nginx_dir, show_dir
from livestall.media.recorder import LIVE, Recorder
from livestall.media.restream_runner import RestreamRunner
from livestall.media.snapshots import LiveSnapshots
from livestall.media.supervisor import Supervised, kill_stale

log = logging.getLogger("livestall.media")

EXPIRY_EVERY_S = 60.0


class MediaManager:
    """Who is publishing on this machine, the processes that serve them, and the jobs around them."""

    def __init__(self, settings, sessionmaker) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.ffmpeg: str | None = find_ffmpeg(settings)
        self.rtmp: NginxRtmp | None = find_nginx_rtmp(settings)
        self.secret = secrets.token_urlsafe(24)
        self.nginx: Supervised | None = None
        self.ingests: dict[int, object] = {}  # show_id -> "rtmp" or the browser ingest object
        self.recorders: dict[int, Recorder] = {}
        self.ladders: dict[int, Supervised] = {}
        self.transcodes = 0
        self.snapshots = LiveSnapshots(settings, self.ffmpeg)
        self.restreams = RestreamRunner(settings, sessionmaker, self.ffmpeg)
        self.clips = ClipCutter(settings, sessionmaker, self.ffmpeg)
        self.stage = SubSecondStage(settings, self.ffmpeg)  # the WebRTC tier (Janus), when installed
        self._jobs: asyncio.Task | None = None
        self._last_expiry = 0.0

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start nginx (when RTMP is on and installed), close stale publishes, start the jobs."""
        if self.ffmpeg is None:
            log.warning("ffmpeg not found: going live from the browser and replay thumbnails are off "
                        "(apt-get install ffmpeg, or pip install imageio-ffmpeg)")
        if not self.settings.rtmp_enabled:
            log.info("RTMP ingest is off (LIVESTALL_RTMP_ENABLED=false)")
        elif self.rtmp is None:
            log.warning("RTMP ingest is off: nginx with the rtmp module is not installed "
                        "(apt-get install nginx libnginx-mod-rtmp, then restart livestall)")
        else:
            await self._start_nginx(self.rtmp)
        await self.stage.start(rtmp=self.nginx is not None)
        async with self.sessionmaker() as session:
            stale = await service.do_close_stale_sessions(session=session)
            await session.commit()
        if stale:
            log.info("publishes cut by the last shutdown are now reconnecting", extra={"show_ids": stale})
        self._jobs = asyncio.create_task(self._run_jobs(), name="media jobs")
        self.clips.start()
        metrics.track(metrics.LIVE_STREAMS, lambda: len(self.ingests))
        metrics.track(metrics.TRANSCODES, lambda: self.transcodes)

    async def _start_nginx(self, rtmp: NginxRtmp) -> None:
        prefix = nginx_dir(self.settings)
        conf = nginxconf.write(self.settings, rtmp, self.secret)
        await asyncio.to_thread(kill_stale, prefix / "nginx.pid", str(prefix))
        control = prefix / "control.sock"
        self.nginx = Supervised("nginx-rtmp", [rtmp.nginx, "-p", str(prefix), "-c", str(conf)],
                                log_path=prefix / "stderr.log", prepare=lambda: control.unlink(missing_ok=True),
                                stop_signal=15).start()
        await self.nginx.wait_started()
        log.info("RTMP ingest on port %s", self.settings.rtmp_port, extra={"nginx_conf": str(conf)})

    async def stop(self) -> None:
        """Stop the jobs and every process; recorders take what was last written."""
        if self._jobs is not None:
            self._jobs.cancel()
            try:
                await self._jobs
            except asyncio.CancelledError:
                pass
        await self.snapshots.stop()
        await self.restreams.stop()
        await self.clips.stop()
        for ingest in list(self.ingests.values()):
            if not isinstance(ingest, str):
                await ingest.close(1001, "the server is shutting down")
        for show_id in list(self.ladders):
            await self.stop_ladder(show_id)
        if self.nginx is not None:
            await self.nginx.stop()
        await self.stage.stop()
        for recorder in self.recorders.values():
            recorder.poll()

    # -- transcodes -----------------------------------------------------------------------------

    def reserve_transcode(self) -> bool:
        """Take one of the machine's transcode slots; False when all are taken."""
        if self.transcodes >= self.settings.media_max_transcodes:
            return False
        self.transcodes += 1
        return True

    def release_transcode(self) -> None:
        self.transcodes = max(0, self.transcodes - 1)

    # -- publishes ------------------------------------------------------------------------------

    def recorder(self, show_id: int) -> Recorder:
        """The show's recorder (made, or picked up from disk, on first use)."""
        if show_id not in self.recorders:
            directory = show_dir(self.settings, show_id)
            directory.mkdir(parents=True, exist_ok=True)
            self.recorders[show_id] = Recorder(directory)
        return self.recorders[show_id]

    async def publish_started(self, show_id: int, source: str) -> None:
        """A publish was accepted: record it, and start the ladder for RTMP input when asked to."""
        metrics.PUBLISHES.labels(source).inc()
        self.recorder(show_id).mark_break()
        if source == "rtmp":
            self.stage.stream_started(show_id, f"rtmp://127.0.0.1:{self.settings.rtmp_port}/live/{show_id}")
        if source == "rtmp" and self.settings.media_ladder and self.ffmpeg:
            if self.reserve_transcode():
                out = ladder_dir(self.settings, show_id)
                for variant in ("720p", "360p"):
                    (out / variant).mkdir(parents=True, exist_ok=True)
                url = f"rtmp://127.0.0.1:{self.settings.rtmp_port}/live/{show_id}"
                self.ladders[show_id] = Supervised(f"ladder {show_id}", commands.ladder(self.ffmpeg, url, out),
                                                   log_path=out / "ffmpeg.log").start()
            else:
                log.warning("transcode cap reached: show %s is served as sent, without a ladder", show_id,
                            extra={"show_id": show_id, "cap": self.settings.media_max_transcodes})
        await self.restreams.publish_started(show_id, source)

    async def publish_stopped(self, show_id: int, *, show_over: bool = False) -> None:
        """The publisher left: stop its ladder and restreams; the recorder keeps what it has."""
        await self.stop_ladder(show_id)
        await self.restreams.publish_stopped(show_id)
        await self.stage.stream_stopped(show_id)
        if show_id in self.recorders:
            self.recorders[show_id].poll()
        if show_over:  # the last fragments came after the show ended: no live playlist any more
            (show_dir(self.settings, show_id) / LIVE).unlink(missing_ok=True)
            self.snapshots.forget(show_id)

    async def stop_ladder(self, show_id: int) -> None:
        ladder = self.ladders.pop(show_id, None)
        if ladder is not None:
            await ladder.stop()
            self.release_transcode()

    async def drop_publisher(self, show_id: int) -> None:
        """Disconnect whoever publishes the show on this machine (the show is over)."""
        ingest = self.ingests.get(show_id)
        if ingest is None:
            return
        if not isinstance(ingest, str):
            await ingest.close(4409, "the show has ended")
        elif self.nginx is not None:
            sock = nginx_dir(self.settings) / "control.sock"
            try:
                async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=str(sock)), timeout=5) as c:
                    await c.get("http://nginx/control/drop/publisher", params={"app": "live", "name": show_id})
            except httpx.HTTPError as exc:
                log.warning("could not drop the RTMP publisher of show %s: %s", show_id, exc)

    # -- jobs -----------------------------------------------------------------------------------

    async def _run_jobs(self) -> None:
        while True:
            try:
                with metrics.job_pass("media"):
                    await self.run_jobs_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad tick must not stop the jobs
                log.exception("media jobs failed")
            await asyncio.sleep(self.settings.media_jobs_interval_s)

    async def run_jobs_once(self) -> None:
        """Record new segments, refresh live pictures, end abandoned shows, finish replays, expire old ones."""
        for recorder in list(self.recorders.values()):
            recorder.poll()
        self.snapshots.kick(list(self.ingests))
        await self.stage.tick()
        async with self.sessionmaker() as session:
            ended = await service.do_end_abandoned(session=session, grace_s=self.settings.media_grace_s)
            await session.commit()
        if ended:
            log.info("shows ended after their stream did not come back", extra={"show_ids": ended})
        async with self.sessionmaker() as session:
            for recording in await service.list_recordings_to_finish(session=session):
                await self.finish_recording(session, recording)
            await session.commit()
        if time.monotonic() - self._last_expiry > EXPIRY_EVERY_S:
            self._last_expiry = time.monotonic()
            async with self.sessionmaker() as session:
                for recording in await service.list_expired_recordings(session=session):
                    shutil.rmtree(show_dir(self.settings, recording.show_id), ignore_errors=True)
                    recording.status = "expired"
                    log.info("replay of show %s expired", recording.show_id)
                await session.commit()

    async def finish_recording(self, session, recording) -> None:
        """The show is over: drop its publisher, close the replay playlist, take a thumbnail."""
        show_id = recording.show_id
        directory = show_dir(self.settings, show_id)
        if not directory.exists():
            return  # recorded on another ingest machine, which finishes it
        await self.drop_publisher(show_id)
        await self.stop_ladder(show_id)
        await self.restreams.publish_stopped(show_id)
        shutil.rmtree(ladder_dir(self.settings, show_id), ignore_errors=True)
        recorder = self.recorders.pop(show_id, None) or Recorder(directory)
        recorder.poll()
        recorder.write(final=True)
        (directory / LIVE).unlink(missing_ok=True)  # the live playlist is over; players switch to the replay
        self.snapshots.forget(show_id)
        has_thumbnail = await self._thumbnail(recorder, directory / "thumb.jpg")
        await service.do_finish_recording(session=session, recording=recording, duration_s=recorder.duration,
                                          segments=len(recorder.segments), has_thumbnail=has_thumbnail,
                                          retention_days=self.settings.replay_retention_days)
        if recording.status != "ready":
            shutil.rmtree(directory, ignore_errors=True)
        log.info("replay of show %s: %s, %.1f s", show_id, recording.status, recorder.duration,
                 extra={"show_id": show_id, "segments": len(recorder.segments)})

    async def _thumbnail(self, recorder: Recorder, out: Path) -> bool:
        source = recorder.thumbnail_source()
        if source is None or self.ffmpeg is None or not source.exists():
            return False
        return await commands.write_thumbnail(self.ffmpeg, source, out, timeout_s=30)


@asynccontextmanager
async def media_service(settings, sessionmaker):
    """Supervise the media processes and jobs while the process runs."""
    manager = MediaManager(settings, sessionmaker)
    try:
        await manager.start()
    except BaseException:
        await manager.stop()  # leave no nginx behind when start-up fails half-way
        raise
    try:
        yield manager
    finally:
        await manager.stop()
