"""Checking hand-written YAML against the annotation format.

A *spec* maps each allowed key to a :class:`Field`. :func:`check_map` reports
unknown keys (with the closest allowed one), missing required keys and values
of the wrong type, and returns the values normalised (dates as strings,
lists always lists).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from partykg.core.errors import Collector
from partykg.model.yamlload import LList, LMap

QID_RE = re.compile(r"^Q[1-9][0-9]*$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
OFFSET_KEYS = {"start", "end", "offset", "offsets", "begin", "position"}


@dataclass(frozen=True)
class Field:
    type: str = "str"  # str | bool | date | key | keys | qid | map | list | url | sha256
    required: bool = False
    help: str = ""


def date_precision(value: str) -> str | None:
    """'year', 'month' or 'day' for a valid ISO date string, else None."""
    m = DATE_RE.match(value)
    if not m:
        return None
    year, month, day = m.groups()
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
        norm = _check_value(value, field, file, kline, errors, f"'{key}' of {what}")
        if norm is not None:
            out[key] = norm
    for key, field in spec.items():
        if field.required and key not in node and key not in misspelt:
            errors.add(file, node.line, f"{what} lacks the required key '{key}'",
                       field.help or f"add `{key}:`")
    return out


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
                errors.add(file, line, f"{what}: {item!r} is not a key",
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
        errors.add(file, line, f"{what}: '{s}' is not a key",
                   "keys are lower-case kebab-case, e.g. vladimir-lenin")
        return None
    if t == "date" and date_precision(s) is None:
        errors.add(file, line, f"{what}: '{s}' is not a valid date",
                   "write YYYY, YYYY-MM or YYYY-MM-DD in quotes, e.g. \"1917-07\"; "
                   "give only the precision the source gives")
        return None
    if t == "qid" and not QID_RE.match(s):
        errors.add(file, line, f"{what}: '{s}' is not a Wikidata QID",
                   "a QID is Q followed by digits, e.g. Q1394")
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
