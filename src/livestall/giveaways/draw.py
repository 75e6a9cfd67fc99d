"""The draw anyone can redo: the published seed picks the winners from the public list of entries.

Each entry is named by its id, the list is in id order, and place k takes the entry at index
`SHA-256("{seed}:{k}") mod (entries left)` of those not drawn yet (openings/fairness.py, the same rule).
"""

from __future__ import annotations

from livestall.openings.fairness import commitment, draw_all, new_seed

__all__ = ["commitment", "new_seed", "winners_of", "verify_winners"]


def winners_of(seed: str, entry_ids: list[int], winners: int) -> list[int]:
    """The winning entry ids, in place order: `winners` of them, or every entry when fewer entered."""
    ordered = sorted(entry_ids)
    picks = draw_all(seed, [str(entry_id) for entry_id in ordered], min(winners, len(ordered)))
    return [ordered[index] for index in picks]


def verify_winners(*, seed: str, seed_hash: str, entry_ids: list[int], winners: int, claimed: list[int]) -> bool:
    """Whether the seed matches its commitment and, drawn from these entries, gives exactly the claimed winners."""
    return commitment(seed) == seed_hash and winners_of(seed, entry_ids, winners) == claimed
