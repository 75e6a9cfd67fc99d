"""The room part for moderation: answering questions, deleting, muting, banning, slow mode, followers-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.chat import service
from livestall.chat.showinfo import ShowInfoCache, show_and_user
from livestall.chat.writer import MessageWriter
from livestall.db import utcnow
from livestall.errors import Forbidden, NotFound
from livestall.events import Event, on_camera, publish_on_commit
from livestall.shows.models import Show
from livestall.shows.service import is_moderator

FRAMES = ("question.answer", "mod.delete", "mod.mute", "mod.ban", "mod.unban", "mod.slow_mode", "mod.followers_only")


class ModerationPart:
    """The host's and moderators' frames, and the refusal of banned viewers at the door."""

    name = "moderation"

    def __init__(self, info: ShowInfoCache, writer: MessageWriter) -> None:
        self.info, self.writer = info, writer
        self.frames = dict.fromkeys(FRAMES, self.moderate)

    async def admit(self, session: AsyncSession, show: Show, principal) -> None:
        if principal and await service.is_banned(session=session, show_id=show.id, user_id=principal.id):
            raise Forbidden("you are banned from this show")

    async def moderate(self, ctx) -> dict[str, Any] | None:
        after: list[Callable[[], None]] = []  # things to do once the transaction has committed
        async with ctx.sessionmaker() as session, session.begin():
            show, user = await show_and_user(session, ctx.show_id, ctx.principal.id)
            if not await is_moderator(session=session, show=show, user=user):
                raise Forbidden("only the host and moderators may do this")
            result = await self._act(session, ctx, show, user, after)
        for action in after:
            action()
        return result

    async def _act(self, session: AsyncSession, ctx, show: Show, by, after: list) -> dict[str, Any] | None:
        kind, frame, gateway = ctx.frame["type"], ctx.frame, ctx.gateway
        if kind == "question.answer":
            question = await service.get_question(session=session, show_id=show.id,
                                                  question_id=frame.get("question_id"))
            question = await service.do_answer(session=session, show=show, question=question)
            publish_on_commit(session, Event(show.id, "question.updated", service.question_data(question),
                                             on_camera(question.answered_at)))
            return {"answered_offset_s": question.answered_offset_s}
        if kind == "mod.delete":
            message_id = frame.get("message_id")
            stored = await service.do_delete_message(session=session, show_id=show.id, message_id=message_id, by=by)
            if not stored and not self.writer.mark_deleted(message_id, by.id, utcnow()):
                # Its batch may have committed since the UPDATE above: a new statement sees the row.
                if not await service.do_delete_message(session=session, show_id=show.id, message_id=message_id,
                                                       by=by):
                    raise NotFound(f"no message {message_id} in this show")
            publish_on_commit(session, Event(show.id, "chat.deleted", {"id": message_id}))
            return None
        if kind == "mod.mute":
            mute = await service.do_mute(session=session, show=show, user_id=frame.get("user_id"),
                                         minutes=frame.get("minutes"), by=by)
            self.info.forget(show.id)
            notice = f"you are muted until {mute.until.strftime('%H:%M UTC')}"
            after.append(lambda: gateway.send_to_user(show.id, mute.user_id, "notice", code="muted", message=notice))
            return {"until": mute.until.isoformat()}
        if kind == "mod.ban":
            target = await service.do_ban(session=session, show=show, user_id=frame.get("user_id"), by=by)
            after.append(lambda: gateway.disconnect_user(show.id, target.id, reason="banned from this show"))
            return None
        if kind == "mod.unban":
            await service.do_unban(session=session, show=show, user_id=frame.get("user_id"))
            return None
        if kind == "mod.slow_mode":
            show = await service.do_room_settings(session=session, show=show, slow_mode_seconds=frame.get("seconds"))
        else:  # mod.followers_only
            show = await service.do_room_settings(session=session, show=show, followers_only=frame.get("on"))
        self.info.forget(show.id)
        settings = {"slow_mode_seconds": show.slow_mode_seconds, "followers_only": show.followers_only}
        publish_on_commit(session, Event(show.id, "room.settings", settings))
        return None
