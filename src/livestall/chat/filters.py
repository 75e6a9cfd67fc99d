"""Chat text rules: plain text only, length limits, and blocked words matched without case or accents."""

from __future__ import annotations

import re
import unicodedata

from livestall.errors import Invalid
from livestall.validation import check_text

MAX_MESSAGE_CHARS = 300
MAX_WORD_CHARS = 64
# Zero-width and direction marks are dropped from within a message: one must not flip those shown after it.
_FORMAT = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def normalize(text: str) -> str:
    """Lower-case, accent-free, width-folded text, for matching ('Café' and 'CAFE' match 'cafe')."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped).casefold()


def clean_text(text: object, *, field: str = "text", max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The message as plain, trimmed text without direction marks, or Invalid naming `field`."""
    if not isinstance(text, str):
        raise Invalid.field(field, "string_type", "must be a string")
    cleaned = _FORMAT.sub("", check_text(text, field)).strip()
    if not cleaned:
        raise Invalid.field(field, "not_empty", "must not be empty")
    if len(cleaned) > max_chars:
        raise Invalid.field(field, "max_length", f"must be at most {max_chars} characters")
    return cleaned


def _pattern(word: str) -> re.Pattern[str]:
    # Whole words for scripts that space their words; plain containment for those that do not (Chinese).
    escaped = re.escape(word)
    if word.isascii():
        return re.compile(rf"(?<!\w){escaped}(?!\w)")
    return re.compile(escaped)


class WordFilter:
    """A shop's blocked words, compiled once; `check` raises Invalid when a message uses one."""

    def __init__(self, words: list[str]) -> None:
        self.words = sorted({normalize(w) for w in words if w.strip()})
        self._patterns = [_pattern(w) for w in self.words]

    def blocked_word(self, text: str) -> str | None:
        """The first blocked word in `text`, if any."""
        folded = normalize(text)
        return next((w for w, p in zip(self.words, self._patterns) if p.search(folded)), None)

    def check(self, text: str) -> None:
        if self.blocked_word(text) is not None:
            raise Invalid.field("text", "blocked_word", "uses a word this shop does not allow in chat")
