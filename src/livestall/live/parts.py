"""The declared list of the room's parts: adding a room feature is one part in its area and one line here."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.catalog.embed_room import EmbedOriginsPart
from livestall.auctions.room_part import AuctionsPart
from livestall.chat.likes import LikesPart
from livestall.chat.moderation import ModerationPart
from livestall.chat.showinfo import ShowInfoCache
from livestall.chat.talk import ChatPart, QuestionsPart
from livestall.chat.writer import MessageWriter
from livestall.giveaways.room_part import GiveawaysPart
from livestall.insights.recorder import SessionRecorder
from livestall.insights.room_part import ViewerRecordingPart
from livestall.openings.room_part import OpeningsPart
from livestall.orders.buying import BuyingDesk
from livestall.orders.room_part import BuyPart, ShelfPart
from livestall.settings import Settings


def room_parts(*, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
               recorder: SessionRecorder, buying: BuyingDesk | None = None) -> list:
    """The parts every show's room is made of, in the order their snapshots are merged."""
    info = ShowInfoCache(sessionmaker)  # chat's rules, shared by what checks and what changes them
    writer = MessageWriter(sessionmaker)  # queued chat, which moderation may delete before it is written
    return [
        ChatPart(sessionmaker, settings, info, writer),
        QuestionsPart(settings, info),
        LikesPart(sessionmaker),
        ModerationPart(info, writer),
        ShelfPart(settings.fx_per_usd),
        BuyPart(buying),
        OpeningsPart(),
        AuctionsPart(sessionmaker, settings),
        ViewerRecordingPart(recorder),
        GiveawaysPart(sessionmaker),
        EmbedOriginsPart(sessionmaker),
    ]


def frame_types(settings: Settings) -> tuple[str, ...]:
    """Every client frame type the room accepts, for the protocol's documentation and the frame fuzzer."""
    parts = room_parts(sessionmaker=None, settings=settings, recorder=None)  # built, never started
    return tuple(kind for part in parts for kind in getattr(part, "frames", {}))
