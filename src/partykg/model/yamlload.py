"""YAML loading that remembers where every key and item stands.

The loader keeps line numbers (1-based) so that errors can name the file and
line; it rejects duplicate keys, which PyYAML would otherwise silently merge.
Mappings become :class:`LMap`, sequences :class:`LList`.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import yaml

from partykg.core.errors import InputError, Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LMap(dict):
    """A dict that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A list that knows the line of itself and of each item."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def _convert(node: yaml.Node, loader: yaml.SafeLoader, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LMap()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, file)
            if not isinstance(key, (str, int)):
                raise InputError(Problem(file, key_node.start_mark.line + 1,
                                         "a key must be a plain word",
                                         "write the key as text, e.g. `name:`"))
            key = str(key)
            if key in out:
                raise InputError(Problem(
                    file, key_node.start_mark.line + 1,
                    f"duplicate key '{key}' (first at line {out.key_lines[key]})",
                    "remove or rename one of the two"))
            out.key_lines[key] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, loader, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        out_list = LList(_convert(item, loader, file) for item in node.value)
        out_list.line = node.start_mark.line + 1
        out_list.lines = [item.start_mark.line + 1 for item in node.value]
        return out_list
    try:
        value = loader.construct_object(node)
    except yaml.MarkedYAMLError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `!!int source`
        mark = node.start_mark
        # libyaml's marks carry no buffer: take the line from the loader's text.
        lines = getattr(loader, "partykg_lines", None) or [""] * (mark.line + 1)
        shown = lines[mark.line].strip() if mark.line < len(lines) else ""
        raise InputError(Problem(file, mark.line + 1,
                                 f"the value {node.value!r} does not fit its tag {node.tag}; "
                                 f"the line reads `{_clip(shown)}`",
                                 "remove the `!!` tag, or quote the value to keep it as text")
                         ) from exc
    if isinstance(value, _dt.date):  # keep dates as the text wrote them
        return node.value
    return value


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Load one YAML file with line numbers; YAML errors become InputError."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(file, 0, f"cannot read the file: {exc.strerror}",
                                 "check that the path exists and is readable")) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(Problem(file, 1, "the file starts with a byte-order mark (BOM)",
                                 "save the file as UTF-8 without BOM"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        begin = raw.rfind(b"\n", 0, exc.start) + 1
        end = raw.find(b"\n", exc.start)
        shown = raw[begin:end if end >= 0 else len(raw)].decode("utf-8", "replace").strip()
        raise InputError(Problem(file, line, f"not valid UTF-8 (byte {exc.start}); the line "
                                 f"reads `{_clip(shown)}`",
                                 "save the file as UTF-8 (the editor's encoding setting), "
                                 "e.g. `iconv -f latin1 -t utf-8`")) from exc
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # PyYAML refuses control characters, without saying where
        line = text.count("\n", 0, bad.start()) + 1
        shown = text.splitlines()[line - 1].strip().encode("unicode_escape").decode("ascii")
        raise InputError(Problem(file, line, f"the character U+{ord(bad.group()):04X} is not "
                                 f"allowed in YAML; the line reads `{_clip(shown)}`",
                                 "delete it (it is invisible in most editors: retype the line)"))
    # libyaml (CSafeLoader) parses several times faster than pure Python and
    # gives the same nodes and marks; pure Python where PyYAML lacks it.
    loader = Loader(text)
    loader.partykg_lines = text.splitlines()
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _convert(node, loader, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.problem and exc.context and exc.context_mark:
            msg += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        lines = text.splitlines()
        if 0 < line <= len(lines) and lines[line - 1].strip():
            msg += f"; the line reads `{_clip(lines[line - 1].strip())}`"
        raise InputError(Problem(file, line, msg,
                                 "check indentation, colons and quotes on this line "
                                 "and the one before; quote text that contains ': ' or '#'")) from exc
    finally:
        loader.dispose()
