"""File helpers every stage shares: atomic writes of files and folders, the YAML
dump the tools write, and the clock (``SOURCE_DATE_EPOCH`` first).

Every output of partykg is written here, so that a failed run never leaves a
half-written file or folder behind: a file goes through a temporary file in the
same folder and ``os.replace``; a folder is filled in a temporary sibling and
swapped in whole by :func:`atomic_replace`.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if isinstance(data, str):
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(data)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_replace(tmp: Path, final: Path) -> None:
    """Swap the folder ``tmp`` into place as ``final``; the old folder is removed
    only afterwards."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


@contextmanager
def atomic_dir(final: Path, prefix: str = ".tmp-") -> Iterator[Path]:
    """A temporary folder beside ``final``, swapped in as ``final`` when the block
    ends without an exception and removed when it raises."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=final.parent))
    try:
        yield tmp
        atomic_replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def dump_yaml(header: str, doc: dict) -> str:
    """A YAML document as the tools write it: keys in the given order, Unicode kept."""
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return header + body


def now() -> str:
    """UTC time: SOURCE_DATE_EPOCH when set (reproducible runs), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
         else _dt.datetime.now(_dt.timezone.utc))
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def today() -> str:
    """The day of :func:`now`."""
    return now()[:10]


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` for messages, or as given when outside it."""
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
