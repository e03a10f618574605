#!/usr/bin/env python3
"""Rewrite data/examples/invalid/ (each file of valid/ with one mistake, and the
loader's message for it) from data/examples/valid/ and the table of mistakes in
tests/support/examples.py, for review.

Run after a deliberate change of the annotation format or of valid/, then read
the diff (`git diff data/examples`) before committing: the .expected files are
the assertions of tests/test_examples.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from support.examples import write_all  # noqa: E402


def main() -> None:
    written = write_all()
    print(f"wrote {len(written)} files in data/examples/invalid/")


if __name__ == "__main__":
    main()
