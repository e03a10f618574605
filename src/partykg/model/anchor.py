"""Anchoring quotes in a text: from an exact quotation to character offsets.

A quote must occur exactly once in the text, or be made unique by a prefix
and/or suffix that touch it. When it is not found, :func:`explain_miss` says
how far it matches and where the text differs, so the annotator can fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT = 32  # characters of prefix/suffix published with each span


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int

    def exact(self, text: str) -> str:
        return text[self.start:self.end]

    def prefix(self, text: str) -> str:
        return text[max(0, self.start - CONTEXT):self.start]

    def suffix(self, text: str) -> str:
        return text[self.end:self.end + CONTEXT]


class AnchorError(Exception):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


def find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def anchor(text: str, quote: str, prefix: str = "", suffix: str = "") -> Span:
    """Return the one span of ``quote`` in ``text`` (raises AnchorError)."""
    if not quote:
        raise AnchorError("the quote is empty", "copy the passage from the text")
    hits = find_all(text, prefix + quote + suffix)
    if len(hits) == 1:
        start = hits[0] + len(prefix)
        return Span(start, start + len(quote))
    if not hits:
        if prefix or suffix:
            bare = find_all(text, quote)
            if bare:
                lines = ", ".join(str(line_of(text, h)) for h in bare[:5])
                raise AnchorError(
                    "the quote is in the text (line " + lines + ") but not with this "
                    "prefix/suffix",
                    "prefix must end right where the quote starts and suffix start right "
                    "where it ends; copy them from the text")
        raise AnchorError("the quote is not in the text", explain_miss(text, quote))
    lines = ", ".join(str(line_of(text, h)) for h in hits[:8])
    raise AnchorError(
        f"the quote occurs {len(hits)} times in the text (lines {lines})",
        "add a `prefix:` (the words just before) or `suffix:` (the words just after) "
        "that makes it unique")


def _longest_found_prefix(text: str, quote: str) -> int:
    lo, hi = 0, len(quote)
    while lo < hi:  # largest k such that quote[:k] occurs in text
        mid = (lo + hi + 1) // 2
        if text.find(quote[:mid]) >= 0:
            lo = mid
        else:
            hi = mid - 1
    return lo


def explain_miss(text: str, quote: str) -> str:
    """A fix hint: where the quote stops matching the text, and how they differ."""
    k = _longest_found_prefix(text, quote)
    if k >= min(12, len(quote) // 3):
        pos = text.find(quote[:k])
        got = text[pos + k:pos + k + 25]
        want = quote[k:k + 25]
        return (f"the quote matches the text up to \"…{quote[max(0, k - 25):k]}\" "
                f"(text line {line_of(text, pos + k)}); then the text has "
                f"\"{got}\" where the quote has \"{want}\"; copy the passage exactly")
    rev = quote[::-1]
    k2 = _longest_found_prefix(text[::-1], rev)
    if k2 >= 12:
        pos = text.find(quote[len(quote) - k2:])
        return (f"the end of the quote \"{quote[len(quote) - k2:][:40]}…\" is at text line "
                f"{line_of(text, pos)}, but its beginning differs from the text; "
                "copy the passage exactly")
    return "no part of the quote was found; check that it is from this source's text"
