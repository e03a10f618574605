"""Errors that carry their place in the annotations, and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_BAD_INPUT = 2

ROOT_CAUSE, PROBLEM, CONSEQUENCE = 0, 1, 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input: where, what, and how to fix it."""

    file: str
    line: int
    message: str
    hint: str = ""
    # The order of the report: ROOT_CAUSE (a file that did not load) first, then the
    # problems, then CONSEQUENCE (summaries of what a root cause made uncheckable).
    rank: int = 1

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
        self.problems = sorted(set(problems), key=lambda p: (p.rank, p.file, p.line,
                                                             p.message, p.hint))
        super().__init__("\n".join(str(p) for p in self.problems))


class Collector:
    """Collects problems so that one run reports all of them at once."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []
        # (cause, referring file, what) -> lines of the references it left unchecked
        self._consequences: dict[tuple[str, str, str], list[int]] = {}

    def add(self, file: str, line: int, message: str, hint: str = "",
            rank: int = PROBLEM) -> None:
        self._problems.append(Problem(str(file), line, message, hint, rank))

    def consequence(self, cause: str, file: str, line: int, what: str) -> None:
        """A reference that cannot be checked because ``cause`` (reported as a root
        cause) did not load: one summary per referring file and cause instead of a
        knock-on error each."""
        self._consequences.setdefault((cause, str(file), what), []).append(line)

    @property
    def problems(self) -> list[Problem]:
        out = list(self._problems)
        for (cause, file, what), lines in self._consequences.items():
            distinct = sorted(set(lines))
            shown = ", ".join(str(n) for n in distinct[:8]) + (" …" if len(distinct) > 8 else "")
            n = len(lines)
            out.append(Problem(
                file, distinct[0],
                f"{n} {what}{'s' if n != 1 else ''} (line{'s' if len(distinct) > 1 else ''} "
                f"{shown}) not checked: {cause} did not load",
                f"fix {cause} first (reported above); they are checked again then",
                CONSEQUENCE))
        return out

    def raise_if_any(self) -> None:
        if self._problems or self._consequences:
            raise InputError(self.problems)
