"""Commit-reveal draws: the seed's SHA-256 is published before sales, the seed at the end, and every draw recomputes."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as hex."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """What is published before sales: the hex SHA-256 of the seed."""
    return hashlib.sha256(seed.encode()).hexdigest()


def draw(seed: str, position: int, remaining: int) -> int:
    """The index, among the `remaining` items not drawn yet, picked for the ticket at `position`."""
    digest = hashlib.sha256(f"{seed}:{position}".encode()).digest()
    return int.from_bytes(digest, "big") % remaining


def draw_all(seed: str, items: list[str], tickets: int) -> list[int]:
    """The item index drawn for each of the first `tickets` places in line, without replacement."""
    left = list(range(len(items)))
    picks = []
    for position in range(1, tickets + 1):
        picks.append(left.pop(draw(seed, position, len(left))))
    return picks


def verify(*, seed: str, seed_hash: str, items: list[str], picks: list[int]) -> bool:
    """Anyone's check: the seed matches its published hash and reproduces every pick, in line order."""
    return commitment(seed) == seed_hash and draw_all(seed, items, len(picks)) == picks


def possible_outcomes(items: list[str], shown: list[str]) -> set[str]:
    """What the next ticket may still hold, as anyone can tell: the listed items less the draws opened so far.

    Draws are without replacement, so an item shown opened is gone; the draws of tickets bought but not yet
    opened are secret, so they take nothing away that anyone could see.
    """
    left = Counter(items)
    left.subtract(shown)
    return {item for item, count in left.items() if count > 0}
