"""How an event type is declared: its name, the schema of its payload, and one line on when it is sent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

# room: to everyone in the show, in batches; routed: published like a room event, but a room part turns it
# into private frames (the room never sees it); frame: a private frame to one user's sockets; webhook: the
# `data` of a signed webhook delivery.
Kind = Literal["room", "routed", "frame", "webhook"]


def _iso(value: str) -> str:
    datetime.fromisoformat(value)  # raises ValueError, which names the field
    return value


# Payloads travel as JSON: a moment is its ISO 8601 text, as `datetime.isoformat()` writes it.
Timestamp = Annotated[str, AfterValidator(_iso)]


class Payload(BaseModel):
    """A payload schema: exact JSON types, and no field that is not declared."""

    model_config = ConfigDict(strict=True, extra="forbid")


class UndeclaredEvent(ValueError):
    """An event of a type no declaration names, or with a payload its type's schema refuses."""


@dataclass(frozen=True, slots=True)
class EventType:
    """One declared event type."""

    name: str
    schema: type[Payload]
    when: str
    kind: Kind


class Declarations:
    """The event types one module declares, each with the schema class it decorates."""

    def __init__(self) -> None:
        self.types: list[EventType] = []

    def _declare(self, kind: Kind, names: tuple[str, ...], when: str):
        def declare(schema: type[Payload]) -> type[Payload]:
            self.types.extend(EventType(name, schema, when, kind) for name in names)
            return schema
        return declare

    def room(self, *names: str, when: str):
        """Declare room events (sent to everyone in the show) whose payload is the decorated schema."""
        return self._declare("room", names, when)

    def routed(self, *names: str, when: str):
        """Declare events published like room events that a room part routes to single viewers."""
        return self._declare("routed", names, when)

    def frame(self, *names: str, when: str):
        """Declare private frames (to one user's sockets); the schema holds the frame's fields."""
        return self._declare("frame", names, when)

    def webhook(self, *names: str, when: str):
        """Declare webhook events whose delivery `data` is the decorated schema."""
        return self._declare("webhook", names, when)


class Registry:
    """Declared event types by name: one of each, with its schema."""

    def __init__(self, title: str, kinds: Iterable[Kind], *modules: Declarations) -> None:
        wanted = set(kinds)
        self.title = title
        self.types: dict[str, EventType] = {}
        for module in modules:
            for declared in module.types:
                if declared.kind not in wanted:
                    continue
                if declared.name in self.types:
                    raise ValueError(f"{title} {declared.name!r} is declared twice")
                self.types[declared.name] = declared
        self.names = frozenset(self.types)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[EventType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def __getitem__(self, name: str) -> EventType:
        return self.types[name]

    def check(self, name: str, data: Any = None) -> None:
        """Raise UndeclaredEvent unless `name` is declared and `data` (when given) fits its schema."""
        declared = self.types.get(name)
        if declared is None:
            raise UndeclaredEvent(f"{self.title} {name!r} is not declared in livestall.events")
        if data is not None:
            try:
                declared.schema.model_validate(data)
            except ValidationError as exc:
                raise UndeclaredEvent(f"{self.title} {name!r}: the payload does not fit its schema: {exc}") from None
