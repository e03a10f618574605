"""Checking hand-written YAML against the annotation format.

A *spec* maps each allowed key to a :class:`Field`. :func:`check_map` reports
unknown keys (with the closest allowed one), missing required keys, values
of the wrong type, values over their length limit and names or ids with
invisible characters, and returns the values normalised (dates as strings,
lists always lists).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from partykg.core import files
from partykg.core.errors import Collector, InputError, Problem
from partykg.model.yamlload import LList, LMap, bad_char, describe_at, locate

QID_RE = re.compile(r"^Q[1-9][0-9]{0,9}$")  # Wikidata's item ids: no leading zero
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
OFFSET_KEYS = {"start", "end", "offset", "offsets", "begin", "position"}


# Length limits in characters (data/README.md, "What the build checks"): generous
# (ten times the longest value in the corpus, or more), but bounded, so that no
# literal comes near the 16 MB a line may take in the stores' parsers.
LIMITS = {
    "name": 200,      # names and aliases: also the size of the mention pattern
    "line": 1_000,    # keys, ids, titles, labels, types, dates, URLs, locators
    "prose": 20_000,  # paraphrases, descriptions, definitions, justifications, notes
    "quote": 50_000,  # quotes, prefixes and suffixes copied from a text
}
# Classes of text: "name" and "line" values are one line without invisible,
# bidirectional-control or control characters; "prose" and "quote" may hold any
# character but controls (tab and line feed allowed), since the texts they are
# copied from can.
IDENT_TEXT = ("name", "line")


@dataclass(frozen=True)
class Field:
    type: str = "str"  # str | strs | bool | date | key | keys | qid | map | list | url | sha256
    required: bool = False
    help: str = ""
    text: str = "line"  # the class of text: name | line | prose | quote (LIMITS)

    @property
    def limit(self) -> int:
        return LIMITS[self.text]


def name(required: bool = False, help: str = "") -> Field:
    return Field("str", required, help, "name")


def prose(required: bool = False, help: str = "") -> Field:
    return Field("str", required, help, "prose")


def date_precision(value: str) -> str | None:
    """'year', 'month' or 'day' for a valid ISO date string, else None. There is
    no year 0000 in xsd:gYear/xsd:date (XSD 1.0): 1 BC is -0001."""
    m = DATE_RE.match(value)
    if not m:
        return None
    year, month, day = m.groups()
    if int(year) == 0:
        return None
    try:
        if day:
            _dt.date(int(year), int(month), int(day))
            return "day"
        if month:
            if not 1 <= int(month) <= 12:
                return None
            return "month"
    except ValueError:
        return None
    return "year"


def date_parts(value: str) -> tuple[int, ...]:
    """(year,), (year, month) or (year, month, day) of a valid date string."""
    year, month, day = DATE_RE.match(value).groups()
    return tuple(int(x) for x in (year, month, day) if x is not None)


def date_before(a: str, b: str) -> bool:
    """Whether ``a`` is surely before ``b``: compared at the coarser precision,
    so "1917" is not before "1917-05"."""
    pa, pb = date_parts(a), date_parts(b)
    n = min(len(pa), len(pb))
    return pa[:n] < pb[:n]


def _today() -> tuple[str, str]:
    """Today (YYYY-MM-DD) for the future-date check, and where it comes from: the
    clock, or SOURCE_DATE_EPOCH when that is later. SOURCE_DATE_EPOCH pins what the
    build writes, usually to an earlier day (a commit's, a release's): data written
    since then is not in the future."""
    import os
    clock = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    if not os.environ.get("SOURCE_DATE_EPOCH"):
        return clock, "today"
    try:
        pinned = files.today()
    except (ValueError, OverflowError, OSError) as exc:
        raise InputError(Problem("SOURCE_DATE_EPOCH", 0, f"'{os.environ.get('SOURCE_DATE_EPOCH')}' "
                                 "is not a Unix time", "set it to a number of seconds since "
                                 "1970-01-01, or unset it")) from exc
    return (pinned, "SOURCE_DATE_EPOCH") if pinned > clock else (clock, "today")


def too_far_ahead(value: str) -> str | None:
    """A message when the date starts more than a year after today (a typo, e.g.
    2091 for 1921), else None."""
    day, origin = _today()
    y, m, d = (int(x) for x in day.split("-"))
    limit = (y + 1, m, d)
    parts = date_parts(value)
    start = parts + (1, 1)[:3 - len(parts)]
    if start > limit:
        return f"'{value}' is more than a year in the future ({origin} is {day})"
    return None


def _as_str(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def check_map(node: Any, spec: dict[str, Field], file: str, errors: Collector,
              what: str, line: int = 0) -> dict[str, Any] | None:
    """Check a mapping against ``spec``; return normalised values or None."""
    if not isinstance(node, LMap):
        errors.add(file, getattr(node, "line", line), f"{what} must be a mapping of keys to values",
                   f"write it as `key: value` lines; allowed keys: {', '.join(spec)}")
        return None
    out: dict[str, Any] = {"_line": node.line, "_lines": node.key_lines}
    misspelt: set[str] = set()
    for key, value in node.items():
        kline = node.line_of(key)
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
            misspelt.update(close)
            hint = f"did you mean '{close[0]}'?" if close else ""
            if key in OFFSET_KEYS and "quote" in spec:
                hint = ("offsets are not written by hand: the build computes them from "
                        "`quote:` (add `prefix:`/`suffix:` if it occurs more than once); "
                        "remove this key.")
            hint = (hint + " " if hint else "") + f"allowed keys in {what}: {', '.join(sorted(spec))}"
            errors.add(file, kline, f"unknown key '{key}' in {what}", hint)
            continue
        field = spec[key]
        if not _check_chars(node, key, value, field, file, errors, f"'{key}' of {what}"):
            continue
        norm = _check_value(value, field, file, kline, errors, f"'{key}' of {what}")
        if norm is not None:
            out[key] = norm
    for key, field in spec.items():
        if field.required and key not in node and key not in misspelt:
            errors.add(file, node.line, f"{what} lacks the required key '{key}'",
                       field.help or f"add `{key}:`")
    return out


def _check_chars(node: LMap, key: str, value: Any, field: Field, file: str,
                 errors: Collector, what: str) -> bool:
    """Length and characters of a text value (or of each item of a list of them):
    report what is wrong and return False, else True."""
    if isinstance(value, str):
        items = [(node, key, value)]
    elif isinstance(value, LList) and field.type in ("strs", "keys"):
        items = [(value, i, v) for i, v in enumerate(value) if isinstance(v, str)]
    else:
        return True
    ok = True
    for container, where, text in items:
        line = (container.line_of(where) if isinstance(container, LMap)
                else container.line_of(where))
        if len(text) > field.limit:
            errors.add(file, line, f"{what} is {len(text):,} characters long; the limit is "
                       f"{field.limit:,}",
                       "quote a shorter passage (or several)" if field.text == "quote" else
                       "shorten it (the limits are in data/README.md, 'What the build checks')")
            ok = False
            continue
        if field.text in IDENT_TEXT or field.type in ("key", "keys"):
            ch = bad_char(text, ident=True)
            if ch:
                at, col = locate(container, where, ch)
                errors.add(file, at, f"{what}: {describe_at(ch, col)} in '{text.strip()}'"
                           if ch not in "\t\n" else f"{what}: {describe_at(ch, col)}: "
                           "this value must be one line",
                           "names, keys, aliases and ids may not contain invisible, "
                           "bidirectional-control or control characters: delete it "
                           "(retype the value; most editors do not show it)")
                ok = False
    return ok


def _check_value(value: Any, field: Field, file: str, line: int, errors: Collector,
                 what: str) -> Any:
    t = field.type
    if t == "bases":  # one mapping, or a list of mappings (checked by the caller)
        if not isinstance(value, (LMap, LList)):
            errors.add(file, line, f"{what} must be a mapping or a list of mappings",
                       field.help or "write {source: ID, quote: '...'} or a list of them")
            return None
        return value
    if t in ("map", "list"):
        ok = isinstance(value, LMap if t == "map" else LList)
        if not ok:
            errors.add(file, line, f"{what} must be a {'mapping' if t == 'map' else 'list'}",
                       field.help or ("write indented `key: value` lines or {key: value}"
                                      if t == "map" else "write [a, b] or `- item` lines"))
            return None
        return value
    if t == "bool":
        if not isinstance(value, bool):
            errors.add(file, line, f"{what} must be true or false, not {value!r}",
                       field.help or "write `true` or `false`, without quotes")
            return None
        return value
    if t == "keys":
        items = value if isinstance(value, list) else [value]
        result = []
        for item in items:
            s = _as_str(item)
            if s is None or not KEY_RE.match(s):
                errors.add(file, line, f"{what}: {_clip(repr(item))} is not a key",
                           "keys are lower-case kebab-case, e.g. vladimir-lenin; "
                           "give a list as [a, b]")
                continue
            result.append(s)
        return result
    if t == "strs":
        items = value if isinstance(value, list) else [value]
        result = []
        for item in items:
            s = _as_str(item)
            if s is None or not s.strip():
                errors.add(file, line, f"{what}: {item!r} is not a text", "quote it")
                continue
            result.append(s)
        return result
    s = _as_str(value)
    if s is None or (t != "str" and not s.strip()):
        errors.add(file, line, f"{what} must be a text, not {value!r}", field.help or "quote it")
        return None
    if t == "str" and not s.strip():
        errors.add(file, line, f"{what} is empty", field.help or "write a value or remove the key")
        return None
    if t == "key" and not KEY_RE.match(s):
        errors.add(file, line, f"{what}: '{_clip(s)}' is not a key",
                   "keys are lower-case kebab-case, e.g. vladimir-lenin")
        return None
    if t == "date" and date_precision(s) is None:
        if DATE_RE.match(s) and int(DATE_RE.match(s).group(1)) == 0:
            errors.add(file, line, f"{what}: '{s}': there is no year 0000",
                       "1 BC is written -0001 (xsd:gYear); give the year the source gives")
            return None
        errors.add(file, line, f"{what}: '{s}' is not a valid date",
                   "write YYYY, YYYY-MM or YYYY-MM-DD in quotes, e.g. \"1917-07\"; "
                   "give only the precision the source gives")
        return None
    if t == "date" and (ahead := too_far_ahead(s)):
        errors.add(file, line, f"{what}: {ahead}",
                   "check the year: a date is the one the source gives, never a future one")
        return None
    if t == "qid" and not QID_RE.match(s):
        errors.add(file, line, f"{what}: '{_clip(s)}' is not a Wikidata QID",
                   "a QID is Q followed by digits (1 to 10, no leading zero), e.g. Q1394")
        return None
    if t == "url" and not re.match(r"^https?://\S+$", s):
        errors.add(file, line, f"{what}: '{s}' is not an http(s) URL",
                   "give the full address, starting with https:// or http://")
        return None
    if t == "sha256" and not SHA256_RE.match(s):
        errors.add(file, line, f"{what}: '{s}' is not a SHA-256 hex digest",
                   "run `sha256sum` on the text file and copy the 64 hex digits")
        return None
    return s


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"
