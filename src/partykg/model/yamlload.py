"""Reading the hand-written input files: YAML that remembers where every key and
item stands, and texts, both with limits.

The loader keeps line numbers (1-based) so that errors can name the file and
line; it rejects duplicate keys, which PyYAML would otherwise silently merge.
Mappings become :class:`LMap`, sequences :class:`LList`.

Guards (each a clear error naming the file and line, never a crash or a hang):

- only regular files are read (a named pipe would block forever, a device such
  as /dev/zero never ends), at most :data:`MAX_YAML_BYTES` per YAML file;
- UTF-8 only: a byte-order mark, UTF-16/UTF-32 and other encodings are named;
- no YAML aliases (``*name``): a kilobyte of nested anchors and aliases expands
  to gigabytes ("billion laughs"), and no file of the format needs them;
- at most :data:`MAX_DEPTH` levels of nesting (the format needs five);
- no control characters in any value, even written as escapes (``"\\e"``,
  ``"\\u0000"``), and no invisible or bidirectional-control characters in keys.

PyYAML has no option for the alias and depth limits, so the document is built
here from the parser's events, without recursion; the scalars are still
resolved and constructed by PyYAML (libyaml's parser when available).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

from partykg.core.errors import InputError, Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_YAML_BYTES = 10 * 1024 * 1024   # per YAML file; the largest real one is 0.15 MB
MAX_DEPTH = 32                       # levels of nesting; the format needs five
MAX_SCALAR = 100_000                 # characters of any one value or key

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"   # `<<`: read as a plain key (its alias is refused)
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

# Characters refused in every value: C0 and C1 controls (tab and line feed are
# text), DEL, lone surrogates (from "\ud800" escapes) and the noncharacters
# U+FFFE/U+FFFF. They are published as they stand, and ESC reaches terminals.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def bad_char(value: str, ident: bool = False) -> str | None:
    """The first character refused in ``value``: CONTROL_RE; for names, keys,
    aliases and ids (``ident``) also tab and line feed, and every format character
    (Unicode category Cf): zero-width spaces and joiners (U+200B-U+200D, U+2060,
    U+FEFF), bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/F), the
    soft hyphen... Invisible, they make two different names look the same."""
    if not ident:
        m = CONTROL_RE.search(value)
        return m.group() if m else None
    if value.isascii() and value.isprintable():
        return None
    for ch in value:
        if ch in "\t\n\ufffe\uffff" or unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            return ch
    return None


CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION",
                 0x0A: "LINE FEED", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
                 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}


def char_name(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE' for a character."""
    code = ord(ch)
    name = unicodedata.name(ch, "") or CONTROL_NAMES.get(code) or (
        "SURROGATE" if 0xD800 <= code <= 0xDFFF else
        "CONTROL CHARACTER" if unicodedata.category(ch) == "Cc" else "UNNAMED CHARACTER")
    return f"U+{code:04X} {name}"


class LMap(dict):
    """A dict that knows the line of itself and of each of its keys, and where each
    of its values starts (for messages that point at a character)."""

    line: int = 0
    key_lines: dict
    value_marks: dict  # key -> (line, column, end line) of the value, 0-based
    source_lines: list

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A list that knows the line of itself and of each item."""

    line: int = 0
    lines: list
    item_marks: list
    source_lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def locate(container: LMap | LList, where: str | int, ch: str) -> tuple[int, int | None]:
    """The line (1-based) and column (1-based, or None when the character is
    written as an escape) of ``ch`` in the value ``container[where]``."""
    marks = (container.value_marks.get(where) if isinstance(container, LMap)
             else container.item_marks[where] if where < len(container.item_marks) else None)
    lines = getattr(container, "source_lines", None)
    if marks is None or lines is None:
        line = container.line_of(where) if isinstance(container, LMap) else container.line
        return line, None
    first, col, last = marks
    for n in range(first, min(last, len(lines) - 1) + 1):
        at = lines[n].find(ch, col if n == first else 0)
        if at >= 0:
            return n + 1, at + 1
    return first + 1, None


def describe_at(ch: str, column: int | None) -> str:
    """'U+200B ZERO WIDTH SPACE at column 7' (or 'written as an escape')."""
    if column is not None:
        return f"{char_name(ch)} at column {column}"
    return f"{char_name(ch)} (written as an escape such as \\u{ord(ch):04x})"


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


# --- reading files: regular files only, bounded --------------------------------

FILE_TYPES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
              (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
              (stat.S_ISSOCK, "a socket"))


class ReadProblem(Exception):
    """Why a file cannot be read; ``{the}`` in the message and ``{it}`` in the hint
    stand for how the caller names the file ("the file", "the text")."""

    def __init__(self, message: str, hint: str, line: int = 0):
        super().__init__(message)
        self.message, self.hint, self.line = message, hint, line

    def problem(self, file: str, the: str = "the file", it: str = "the file",
                suffix: str = "") -> Problem:
        return Problem(file, self.line, self.message.format(the=the) + suffix,
                       self.hint.format(it=it))


def megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n < 1024 ** 3 else f"{n / 1024 ** 3:.1f} GB"


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (raises ReadProblem).

    Opened without blocking (a named pipe would wait forever for a writer) and
    checked on the open descriptor, so what is checked is what is read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadProblem(f"cannot read {{the}}: {exc.strerror}",
                          "check that the path exists and is readable") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in FILE_TYPES if test(st.st_mode)),
                        "not a regular file")
            raise ReadProblem(f"{{the}} is {kind}, not a regular file",
                              "give the path of an ordinary file")
        if st.st_size > limit:
            raise ReadProblem(f"{{the}} is {megabytes(st.st_size)}; the limit is "
                              f"{megabytes(limit)}", "split {it}, or check that it is the "
                              "right file (data/README.md, 'What the build checks')")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise ReadProblem(f"{{the}} is larger than {megabytes(limit)}",
                              "split {it}, or check that it is the right file")
        return b"".join(chunks)
    except OSError as exc:
        raise ReadProblem(f"cannot read {{the}}: {exc.strerror}",
                          "check that the path exists and is readable") from exc
    finally:
        os.close(fd)


def _utf16_or_32(raw: bytes) -> str | None:
    """'UTF-16 (little-endian)' etc. when the bytes look like it, else None."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith(b"\xff\xfe"):
        return "UTF-16 (little-endian, with a byte-order mark)"
    if raw.startswith(b"\xfe\xff"):
        return "UTF-16 (big-endian, with a byte-order mark)"
    head = raw[:4096]
    if len(head) >= 4 and b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) >= len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
            return "UTF-16 (little-endian)"
        if even.count(0) >= len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
            return "UTF-16 (big-endian)"
    return None


def decode_utf8(raw: bytes) -> str:
    """The text of UTF-8 bytes; raises ReadProblem (with ``line``) naming what the
    bytes are instead: a BOM, UTF-16/32, or the first byte that is not UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ReadProblem("{the} starts with a byte-order mark (BOM)",
                          "save {it} as UTF-8 without BOM", 1)
    enc = _utf16_or_32(raw)
    if enc:
        raise ReadProblem(f"{{the}} is {enc}, not UTF-8",
                          f"save {{it}} as UTF-8 (the editor's encoding setting, or "
                          f"`iconv -f {enc.split()[0]} -t UTF-8`)", 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        begin = raw.rfind(b"\n", 0, err.start) + 1
        end = raw.find(b"\n", err.start)
        shown = raw[begin:end if end >= 0 else len(raw)].decode("utf-8", "replace").strip()
        shown = shown.replace("{", "{{").replace("}", "}}")
        raise ReadProblem(f"{{the}} is not valid UTF-8 (byte {err.start}); the line reads "
                          f"`{_clip(shown)}`",
                          "save {it} as UTF-8 (the editor's encoding setting), "
                          "e.g. `iconv -f latin1 -t utf-8`",
                          raw[:err.start].count(b"\n") + 1) from err


# --- YAML -----------------------------------------------------------------------

class _Frame:
    __slots__ = ("node", "key", "key_line")

    def __init__(self, node: LMap | LList):
        self.node, self.key, self.key_line = node, None, 0


_NO_KEY = object()


class _Builder:
    """LMap/LList from the parser's events, iteratively, with the guards."""

    def __init__(self, loader, file: str, lines: list[str]):
        self.loader, self.file, self.lines = loader, file, lines

    def fail(self, mark, message: str, hint: str) -> InputError:
        line = mark.line + 1 if mark is not None else 0
        return InputError(Problem(self.file, line, message, hint))

    def shown(self, mark) -> str:
        line = self.lines[mark.line].strip() if mark.line < len(self.lines) else ""
        return _clip(line)

    def scalar(self, ev: ScalarEvent, is_key: bool) -> Any:
        if len(ev.value) > MAX_SCALAR:
            raise self.fail(ev.start_mark, f"a {'key' if is_key else 'value'} of "
                            f"{len(ev.value):,} characters; the limit is {MAX_SCALAR:,}",
                            "shorten it: no field of the format needs that much")
        tag = ev.tag
        implicit = tag is None or tag == "!"
        if implicit:
            tag = self.loader.resolve(ScalarNode, ev.value, ev.implicit)
        if tag == STR_TAG or tag == MERGE_TAG:
            value: Any = ev.value
        else:
            node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, style=ev.style)
            try:
                value = self.loader.construct_object(node)
            except yaml.MarkedYAMLError as exc:  # e.g. `!!python/name:os.system`
                raise self.fail(ev.start_mark, f"the tag {tag} is not allowed "
                                f"({exc.problem}); the line reads `{self.shown(ev.start_mark)}`",
                                "remove the `!` tag: write plain values") from exc
            except Exception as exc:  # PyYAML's constructors raise whatever odd input
                # makes them raise (`!!int ''`: IndexError, `!!timestamp x`: AttributeError)
                if implicit and tag == TIMESTAMP_TAG:
                    # `created: 2003-13-45` unquoted: looks like a date, is none.
                    # Kept as written; the field's check says what is wrong with it.
                    value = ev.value
                else:  # e.g. `!!int source`
                    raise self.fail(ev.start_mark,
                                    f"the value {ev.value!r} does not fit its tag {tag}; "
                                    f"the line reads `{self.shown(ev.start_mark)}`",
                                    "remove the `!!` tag, or quote the value to keep it as "
                                    "text") from exc
            finally:
                self.loader.constructed_objects.pop(node, None)
            if isinstance(value, _dt.date):  # keep dates as the text wrote them
                value = ev.value
        if isinstance(value, str):
            ch = bad_char(value, ident=is_key)
            if ch:
                line, col = self._locate(ev, ch)
                where = f"the key `{_clip(value.strip(), 30)}`" if is_key else "a value"
                raise InputError(Problem(
                    self.file, line, f"{describe_at(ch, col)} in {where}",
                    "delete it (it is invisible in most editors: retype the key)" if is_key
                    else "delete it; in a quoted value, delete the escape that writes it "
                    "(`\\e`, `\\0`, `\\u0000`, `\\x1b`, …)"))
        return value

    def _locate(self, ev, ch: str) -> tuple[int, int | None]:
        first, col, last = ev.start_mark.line, ev.start_mark.column, ev.end_mark.line
        for n in range(first, min(last, len(self.lines) - 1) + 1):
            at = self.lines[n].find(ch, col if n == first else 0)
            if at >= 0:
                return n + 1, at + 1
        return first + 1, None

    def build(self) -> Any:
        get = self.loader.get_event
        ev = get()
        assert isinstance(ev, StreamStartEvent), ev
        ev = get()
        if isinstance(ev, StreamEndEvent):
            return None
        assert isinstance(ev, DocumentStartEvent), ev
        stack: list[_Frame] = []
        result: Any = _NO_KEY
        while result is _NO_KEY:
            ev = get()
            if isinstance(ev, AliasEvent):
                raise self.fail(ev.start_mark, f"a YAML alias (*{ev.anchor}); the line reads "
                                f"`{self.shown(ev.start_mark)}`",
                                "write the value out in full: aliases (*name) are not "
                                "allowed in partykg's files (with anchors, &name, a few "
                                "lines of them can expand to gigabytes)")
            top = stack[-1] if stack else None
            is_key = top is not None and isinstance(top.node, LMap) and top.key is None
            if isinstance(ev, (MappingStartEvent, SequenceStartEvent)):
                if is_key:
                    raise self.fail(ev.start_mark, "a key must be a plain word",
                                    "write the key as text, e.g. `name:`")
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(ev.start_mark, f"the document is nested more than "
                                    f"{MAX_DEPTH} levels deep", "the format needs a few "
                                    "levels (data/README.md): check brackets and indentation")
                node: LMap | LList
                if isinstance(ev, MappingStartEvent):
                    node = LMap()
                    node.key_lines, node.value_marks = {}, {}
                else:
                    node = LList()
                    node.lines, node.item_marks = [], []
                node.line = ev.start_mark.line + 1
                node.source_lines = self.lines
                if top is not None:
                    self._attach(top, node, ev)
                stack.append(_Frame(node))
                continue
            if isinstance(ev, (MappingEndEvent, SequenceEndEvent)):
                done = stack.pop()
                if not stack:
                    result = done.node
                continue
            assert isinstance(ev, ScalarEvent), ev
            value = self.scalar(ev, is_key)
            if top is None:
                result = value
            elif is_key:
                if not isinstance(value, (str, int)):
                    raise self.fail(ev.start_mark, "a key must be a plain word",
                                    "write the key as text, e.g. `name:`")
                key = str(value)
                if key in top.node:
                    raise self.fail(ev.start_mark, f"duplicate key '{key}' (first at line "
                                    f"{top.node.key_lines[key]})",
                                    "remove or rename one of the two")
                top.key, top.key_line = key, ev.start_mark.line + 1
            else:
                self._attach(top, value, ev)
        end = get()
        assert isinstance(end, DocumentEndEvent), end
        if not self.loader.check_event(StreamEndEvent):
            nxt = self.loader.peek_event()
            raise self.fail(nxt.start_mark, "a second YAML document (after `---`)",
                            "keep one document per file: remove the `---` line and what "
                            "follows, or merge it into the first")
        return result

    @staticmethod
    def _attach(top: _Frame, value: Any, ev) -> None:
        mark = (ev.start_mark.line, ev.start_mark.column, ev.end_mark.line)
        if isinstance(top.node, LMap):
            key = top.key
            top.node[key] = value
            top.node.key_lines[key] = top.key_line
            top.node.value_marks[key] = mark
            top.key = None
        else:
            top.node.append(value)
            top.node.lines.append(ev.start_mark.line + 1)
            top.node.item_marks.append(mark)


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Load one YAML file with line numbers; every problem is an InputError."""
    file = display or str(path)
    try:
        raw = read_bounded(path, MAX_YAML_BYTES)
        text = decode_utf8(raw)
    except ReadProblem as exc:
        raise InputError(exc.problem(file)) from exc
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # PyYAML refuses control characters, without saying where
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        shown = text.splitlines()[line - 1].strip().encode("unicode_escape").decode("ascii")
        raise InputError(Problem(file, line, f"the character U+{ord(bad.group()):04X} is not "
                                 f"allowed in YAML (column {column}); the line reads "
                                 f"`{_clip(shown)}`",
                                 "delete it (it is invisible in most editors: retype the line)"))
    # libyaml (CSafeLoader) parses several times faster than pure Python and
    # gives the same events and marks; pure Python where PyYAML lacks it.
    loader = Loader(text)
    lines = text.splitlines()
    try:
        return _Builder(loader, file, lines).build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        if "nesting depth" in str(exc.problem):  # libyaml's own limit (1,000 levels)
            raise InputError(Problem(file, line, f"the document is nested more than {MAX_DEPTH} "
                                     "levels deep", "the format needs a few levels "
                                     "(data/README.md): check brackets and indentation")) from exc
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.problem and exc.context and exc.context_mark:
            msg += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        if 0 < line <= len(lines) and lines[line - 1].strip():
            msg += f"; the line reads `{_clip(lines[line - 1].strip())}`"
        raise InputError(Problem(file, line, msg,
                                 "check indentation, colons and quotes on this line "
                                 "and the one before; quote text that contains ': ' or '#'")) from exc
    finally:
        loader.dispose()
