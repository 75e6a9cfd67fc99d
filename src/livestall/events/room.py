"""The room's own events: chat, likes, questions, room settings, viewer counts, the show and its stream."""

from __future__ import annotations

from typing import Literal

from livestall.events.registry import Declarations, Payload, Timestamp

DECLARED = Declarations()


class UserRef(Payload):
    """Who wrote something, as the room shows them."""

    id: int
    name: str


@DECLARED.room("chat.message", when="a viewer's chat message, as soon as it is accepted (it is written in batches)")
class ChatMessage(Payload):
    id: str
    user: UserRef
    text: str
    at: Timestamp


@DECLARED.room("chat.deleted", when="a host or moderator deleted a chat message")
class ChatDeleted(Payload):
    id: str


@DECLARED.room("likes", when="the show's likes across every node, about once a second while likes come in")
class Likes(Payload):
    total: int


@DECLARED.room("question.asked", "question.updated", when="a question was asked; or upvoted or answered")
class QuestionView(Payload):
    id: int
    user: UserRef
    text: str
    votes: int
    status: str
    created_at: Timestamp
    answered_offset_s: int | None


@DECLARED.room("room.settings", when="a host or moderator changed slow mode or followers-only chat")
class RoomSettings(Payload):
    slow_mode_seconds: int
    followers_only: bool


@DECLARED.room("viewers", when="the viewer counts changed (at most every 2 s; latest wins within a batch)")
class Viewers(Payload):
    concurrent: int
    peak: int
    unique: int


@DECLARED.room("show.live", "show.ended", "show.cancelled", when="the show started, ended or was cancelled")
class ShowStatus(Payload):
    status: Literal["live", "ended", "cancelled"]
    at: Timestamp


@DECLARED.room("stream.state", when="video started coming in (`live`), or the publisher dropped (`reconnecting`)")
class StreamState(Payload):
    state: Literal["live", "reconnecting"]
    at: Timestamp
    source: str | None = None  # live only: rtmp or browser
    ends_at: Timestamp | None = None  # reconnecting only: the show ends then unless video comes back


@DECLARED.room("replay.ready", when="the show's recording became a replay that can be watched")
class ReplayReady(Payload):
    playlist_url: str
    duration_s: float


@DECLARED.frame("notice", when="something one viewer should see, by `code` (e.g. `muted`, `session_ended`)")
class Notice(Payload):
    code: str
    message: str
    reason: str | None = None  # session_ended only: why the login ended
