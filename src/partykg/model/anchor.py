"""Anchoring quotes in a text: from an exact quotation to character offsets.

A quote must occur exactly once in the text, or be made unique by a prefix
and/or suffix that touch it. When it is not found, :func:`explain_miss` says
how far it matches and where the text differs, so the annotator can fix it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from partykg.model.yamlload import char_name

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


def _cluster(s: str, i: int = 0) -> str:
    """The character at ``i`` with the combining marks that follow it."""
    j = i + 1
    while j < len(s) and unicodedata.combining(s[j]):
        j += 1
    return s[i:j]


def _names(s: str) -> str:
    return " + ".join(char_name(ch) for ch in s)


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc", "Mn") and ch not in "\n\t"


def unicode_difference(got: str, want: str) -> str | None:
    """Name the characters where the text (continuing with ``got``) and the quote
    (continuing with ``want``) differ, when the eye cannot tell them apart:
    normalisation (NFC/NFD), invisible characters, look-alike spaces, quotes and
    dashes. None for a plain difference of visible ASCII."""
    if not got or not want:
        return None
    g, w = _cluster(got), _cluster(want)
    if g != w and unicodedata.normalize("NFC", g) == unicodedata.normalize("NFC", w):
        return (f"{_names(g)} in the text where the quote has {_names(w)}: the same letter "
                "in another Unicode normalisation (NFC, composed, vs NFD, decomposed)")
    if _invisible(got[0]) and not _invisible(want[0]):
        return f"the text has an invisible {char_name(got[0])} here that the quote lacks"
    if _invisible(want[0]) and not _invisible(got[0]):
        return f"the quote has an invisible {char_name(want[0])} here that the text lacks"
    if g != w and not (g.isascii() and w.isascii() and g.isprintable() and w.isprintable()
                       and not g.isspace() and not w.isspace()):
        return f"{_names(g)} in the text where the quote has {_names(w)}"
    return None


def _normalisation_only(text: str, quote: str) -> str | None:
    """When the quote is in the text once both are NFC: which side is decomposed."""
    if unicodedata.normalize("NFC", quote) not in unicodedata.normalize("NFC", text):
        return None
    for i in range(len(quote)):
        c = _cluster(quote, i)
        nfc, nfd = unicodedata.normalize("NFC", c), unicodedata.normalize("NFD", c)
        if c != nfc:
            return (f"the quote has {_names(c)} (decomposed, NFD) where the text has "
                    f"{_names(nfc)} (composed, NFC): the same letters in another Unicode "
                    "normalisation; copy the passage from the text, or save the annotation "
                    "file in NFC")
        if c != nfd and nfd in text and c not in text:
            return (f"the quote has {_names(c)} (composed, NFC) where the text has "
                    f"{_names(nfd)} (decomposed, NFD): the same letters in another Unicode "
                    "normalisation; copy the passage from the text file itself")
    return ("the quote and the text differ only in Unicode normalisation (NFC vs NFD); "
            "copy the passage from the text file itself")


def explain_miss(text: str, quote: str) -> str:
    """A fix hint: where the quote stops matching the text, and how they differ
    (naming the characters when the difference is invisible)."""
    norm = _normalisation_only(text, quote)
    if norm is not None:
        return norm
    k = _longest_found_prefix(text, quote)
    if k >= min(12, len(quote) // 3):
        pos = text.find(quote[:k])
        got = text[pos + k:pos + k + 25]
        want = quote[k:k + 25]
        detail = unicode_difference(text[pos + k:pos + k + 8], quote[k:k + 8])
        return (f"the quote matches the text up to \"…{quote[max(0, k - 25):k]}\" "
                f"(text line {line_of(text, pos + k)}); then the text has "
                f"\"{got}\" where the quote has \"{want}\""
                + (f" ({detail})" if detail else "") + "; copy the passage exactly")
    rev = quote[::-1]
    k2 = _longest_found_prefix(text[::-1], rev)
    if k2 >= 12:
        pos = text.find(quote[len(quote) - k2:])
        return (f"the end of the quote \"{quote[len(quote) - k2:][:40]}…\" is at text line "
                f"{line_of(text, pos)}, but its beginning differs from the text; "
                "copy the passage exactly")
    return "no part of the quote was found; check that it is from this source's text"
