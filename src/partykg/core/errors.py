"""Errors that carry their place in the annotations, and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_BAD_INPUT = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input: where, what, and how to fix it."""

    file: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


class InputError(Exception):
    """Bad input: one or more problems; the CLI exits with code 2."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class Collector:
    """Collects problems so that one run reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(file), line, message, hint))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
