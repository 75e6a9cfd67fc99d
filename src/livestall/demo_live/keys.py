"""The demo's logins and its host's stream key, kept in the data folder so that a restart reuses them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.models import User
from livestall.accounts.service import get_user_by_token, open_login_session
from livestall.shows.models import Show
from livestall.shows.service import do_rotate_stream_key, get_stream_key, stream_key_matches


class DemoKeys:
    """Login tokens of the demo's people and the host's stream key, made once and reused while they hold."""

    def __init__(self, path: Path, sessionmaker: async_sessionmaker[AsyncSession], login_days: int) -> None:
        self.path, self.sessionmaker, self.login_days = path, sessionmaker, login_days
        try:
            self.kept: dict[str, str] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.kept = {}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        # Only this user may read them: they let anyone speak as the demo's people.
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(self.kept, out)
        temporary.replace(self.path)

    async def token(self, user_id: int) -> str:
        """A login token of the user: the kept one while it is valid, else a new one (a password change ends it)."""
        name = f"login:{user_id}"
        async with self.sessionmaker() as session:
            kept = self.kept.get(name)
            if kept and (user := await get_user_by_token(session=session, token=kept)) and user.id == user_id:
                return kept
            user = await session.get(User, user_id)
            token, _ = await open_login_session(session=session, user=user, days=self.login_days,
                                                user_agent="livestall demo")
            await session.commit()
        self.kept[name] = token
        self._save()
        return token

    async def stream_key(self, show_id: int) -> str | None:
        """The host's stream key for RTMP: the kept one, a first one for a host without, None if they made their own."""
        # A host's own key stays: making another would retire the one in their OBS.
        async with self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            kept = self.kept.get(f"stream:{show.host_id}")
            if kept and await stream_key_matches(session=session, show=show, key=kept):
                return kept
            host = await session.get(User, show.host_id)
            if await get_stream_key(session=session, user=host) is not None:
                return None
            key, _ = await do_rotate_stream_key(session=session, user=host)
            await session.commit()
        self.kept[f"stream:{show.host_id}"] = key
        self._save()
        return key
