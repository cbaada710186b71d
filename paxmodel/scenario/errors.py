"""Located scenario problems: every error names the file, line, column and field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import NamedTuple

FieldPath = tuple[str | int, ...]


class Location(NamedTuple):
    """A position in a file (a named tuple: the reader makes one per value, fast)."""

    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    location: Location
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.field}: {self.message}" if self.field else f"{self.location}: {self.message}"


MAX_PROBLEMS = 1000  # problems kept (and printed) from one scenario; the rest are counted


class ScenarioError(Exception):
    """All the problems found in a scenario, reported together (the first MAX_PROBLEMS in file
    order; `omitted` counts the others, so a file with a million bad values stays readable)."""

    def __init__(self, problems: Iterable[Problem], omitted: int = 0) -> None:
        ordered = sorted(set(problems), key=lambda p: (p.location, p.field, p.message))
        self.problems = ordered[:MAX_PROBLEMS]
        self.omitted = omitted + len(ordered) - len(self.problems)
        more = [f"... and {self.omitted:,} more problems"] if self.omitted else []
        super().__init__("\n".join([*(str(p) for p in self.problems), *more]))


def dotted(path: FieldPath) -> str:
    """`('sectors', 'si', 'items', 'x', 'supply')` -> `sectors.si.items.x.supply`; list indexes as [n]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


SHOWN_CHARACTERS = 80  # longest value echoed in a message


def shown(value: object) -> str:
    """`value` for a message: text as is, anything else as its repr; cut to SHOWN_CHARACTERS so
    a huge wrong value is not echoed whole, and with control characters escaped."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = f"{text[: SHOWN_CHARACTERS - 20]}... ({len(text):,} characters)"
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


# Comparisons that "did you mean" may still make while reading one scenario (see `suggestions`).
_suggestion_budget: ContextVar[list[int] | None] = ContextVar("suggestion_budget", default=None)
SUGGESTION_COMPARISONS = 100_000
SUGGESTION_CALL_COST = 20  # a call costs about as much as this many comparisons


@contextmanager
def suggestion_budget(comparisons: int = SUGGESTION_COMPARISONS) -> Iterator[None]:
    """Bound the work of every `did_you_mean` inside: a file with thousands of misspelt names
    against thousands of known ones stays fast (late names then get exact-case hints only)."""
    token = _suggestion_budget.set([comparisons])
    try:
        yield
    finally:
        _suggestion_budget.reset(token)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ` (did you mean 'X'?)` suffix when a known name is close to `name`, else ''."""
    budget = _suggestion_budget.get()
    if budget is not None:
        if budget[0] <= 0:
            return ""
        budget[0] -= SUGGESTION_CALL_COST + (len(known) if isinstance(known, Sized) else 0)
    candidates = sorted(known)
    matches = get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not matches:
        matches = [k for k in candidates if k.lower() == name.lower()][:1]
    return f" (did you mean '{shown(matches[0])}'?)" if matches else ""


def file_location(path: Path | str) -> Location:
    return Location(str(path), 1, 1)


class MembershipError(ValueError):
    """A membership asked for on the command line or in the API does not exist or is not allowed."""
