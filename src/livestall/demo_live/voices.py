"""The demo's people in the room: viewers who greet, chat, ask, upvote and like, and the host who answers,
each over a room socket of their own, so that every word goes through the room's rules like anyone's."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from livestall.demo_live.script import Script

log = logging.getLogger("livestall.demo")

ANSWER_AFTER_S = 20.0  # the host answers a question once it has been up this long


class Voice:
    """One demo person's room socket: joined, read all along, rejoined after a drop; frames sent get their answer."""

    def __init__(self, url: str, user_id: int, name: str, token: Callable[[int], Awaitable[str]]) -> None:
        self.url, self.user_id, self.name, self.token = url, user_id, name, token
        self.joined = asyncio.Event()
        self.on_frame: Callable[[dict], None] | None = None
        self._ws: ClientConnection | None = None
        self._waiting: dict[int, asyncio.Future] = {}
        self._last_id = 0

    async def run(self) -> None:
        """Stay in the room until cancelled."""
        while True:
            try:
                headers = {"Authorization": f"Bearer {await self.token(self.user_id)}"}
                async with connect(self.url, additional_headers=headers, open_timeout=10, max_size=None) as ws:
                    self._ws = ws
                    async for message in ws:
                        self._read(json.loads(message))
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                log.debug("demo viewer %s left the room: %s", self.name, exc)
            except Exception:  # whatever it was, the voice comes back after the pause
                log.exception("demo viewer %s left the room", self.name)
            finally:
                self._ws = None
                self.joined.clear()
                for waiting in self._waiting.values():
                    if not waiting.done():
                        waiting.set_result({"type": "error", "message": "left the room"})
            await asyncio.sleep(random.uniform(5, 15))  # a banned or logged-out voice does not hammer the door

    def _read(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "snapshot":
            self.joined.set()
        waiting = self._waiting.pop(frame.get("ref"), None) if kind in ("ack", "error") else None
        if waiting is not None and not waiting.done():
            waiting.set_result(frame)
        if self.on_frame is not None:
            try:
                self.on_frame(frame)
            except (KeyError, TypeError, ValueError):  # a frame of a newer protocol must not end the voice
                log.debug("demo viewer %s did not follow a frame", self.name, exc_info=True)

    async def say(self, kind: str, **fields: Any) -> dict | None:
        """Send a frame; its ack's data, or None when refused (the reason is logged) or not in the room."""
        ws = self._ws
        if ws is None or not self.joined.is_set():
            return None
        self._last_id += 1
        ref = self._last_id
        answer = self._waiting[ref] = asyncio.get_running_loop().create_future()
        try:
            await ws.send(json.dumps({"v": 1, "id": ref, "type": kind, **fields}))
            frame = await asyncio.wait_for(answer, 10)
        except (ConnectionClosed, TimeoutError):
            return None
        finally:
            self._waiting.pop(ref, None)
        if frame["type"] == "error":
            log.debug("the room refused demo viewer %s's %s: %s", self.name, kind, frame.get("message"))
            return None
        return frame.get("data") or {}


class Crowd:
    """The host and the viewers of the demo show: a few lines a minute, questions answered, likes now and then."""

    def __init__(self, script: Script, host: Voice, talkers: list[Voice], watchers: list[Voice]) -> None:
        self.script, self.host, self.talkers, self.watchers = script, host, talkers, watchers
        self.questions: dict[int, dict] = {}  # open questions of the room, as the host sees them
        self._voted: set[tuple[int, int]] = set()  # (voice, question): one upvote each, as the room allows
        host.on_frame = self._host_heard
        self._lines = self._deck(script.lines)

    @staticmethod
    def _deck(items: tuple):
        """Endless shuffled rounds of `items`: nothing said twice before everything was said once."""
        while True:
            round_ = list(items)
            random.shuffle(round_)
            yield from round_

    def _host_heard(self, frame: dict) -> None:
        if frame.get("type") == "snapshot":
            self.questions = {q["id"]: q for q in frame.get("data", {}).get("questions", [])}
        for event in frame.get("events", ()) if frame.get("type") == "batch" else ():
            data = event.get("data", {})
            if event.get("type") in ("question.asked", "question.updated"):
                if data.get("status") == "open":
                    self.questions[data["id"]] = data
                else:
                    self.questions.pop(data.get("id"), None)

    async def run(self) -> None:
        """Everyone joins; then the room talks until cancelled."""
        everyone = [self.host, *self.talkers, *self.watchers]
        async with asyncio.TaskGroup() as group:
            for voice in everyone:
                group.create_task(voice.run(), name=f"demo voice {voice.name}")
            group.create_task(self._greet(), name="demo greetings")
            group.create_task(self._every(7, 18, self._talk), name="demo talk")
            group.create_task(self._every(3, 9, lambda: random.choice(everyone).say(
                "like", count=random.randint(1, 6))), name="demo likes")
            group.create_task(self._every(5, 10, self._answer), name="demo answers")

    @staticmethod
    async def _every(low: float, high: float, step: Callable[[], Awaitable[object]]) -> None:
        """`step` every `low` to `high` seconds; one that fails is logged, and the next comes all the same."""
        while True:
            await asyncio.sleep(random.uniform(low, high))
            try:
                await step()
            except Exception:
                log.exception("a demo room step failed")

    async def _greet(self) -> None:
        greetings = self._deck(self.script.greetings)
        for voice in random.sample(self.talkers, len(self.talkers)):
            try:
                await asyncio.wait_for(voice.joined.wait(), 30)  # a voice kept out (banned) greets nobody
            except TimeoutError:
                continue
            await asyncio.sleep(random.uniform(0.5, 3.0))
            try:
                await voice.say("chat.send", text=next(greetings))
            except Exception:
                log.exception("a demo greeting failed")

    async def _talk(self) -> None:
        if not self.talkers:
            return
        voice, roll = random.choice(self.talkers), random.random()
        if roll < 0.2 and await self._ask(voice):
            return
        if roll < 0.35 and await self._upvote(voice):
            return
        await voice.say("chat.send", text=next(self._lines))

    async def _ask(self, voice: Voice) -> bool:
        open_texts = {q["text"] for q in self.questions.values()}
        if sum(self.script.answer_to(t) is not None for t in open_texts) >= 2:
            return False  # the host is behind: no pile of unanswered questions
        choices = [q for q, _ in self.script.questions if q not in open_texts]
        return bool(choices) and await voice.say("question.ask", text=random.choice(choices)) is not None

    async def _upvote(self, voice: Voice) -> bool:
        others = [q["id"] for q in self.questions.values()
                  if q["user"]["id"] != voice.user_id and (voice.user_id, q["id"]) not in self._voted]
        if not others:
            return False
        choice = random.choice(others)
        self._voted.add((voice.user_id, choice))
        return await voice.say("question.upvote", question_id=choice) is not None

    async def _answer(self) -> None:
        """The host answers the script's questions (those an earlier run left open too) a little after they came."""
        due = [q for q in self.questions.values()
               if self.script.answer_to(q["text"]) is not None and _age_s(q["created_at"]) >= ANSWER_AFTER_S]
        if due:
            question = min(due, key=lambda q: q["id"])
            answer = self.script.answer_to(question["text"])
            await self.host.say("chat.send", text=f"@{question['user']['name']} {answer}")
            await self.host.say("question.answer", question_id=question["id"])


def _age_s(iso: str) -> float:
    """Seconds since an ISO time (one without a zone is UTC, as the database keeps it)."""
    at = datetime.fromisoformat(iso)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - at).total_seconds()
