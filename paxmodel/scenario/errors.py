"""Located scenario problems: every error names the file, line, column and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Location:
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


class ScenarioError(Exception):
    """All the problems found in a scenario, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.location, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def dotted(path: FieldPath) -> str:
    """`('sectors', 'si', 'items', 'x', 'supply')` -> `sectors.si.items.x.supply`; list indexes as [n]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ` (did you mean 'X'?)` suffix when a known name is close to `name`, else ''."""
    matches = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if not matches:
        matches = [k for k in sorted(known) if k.lower() == name.lower()][:1]
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def file_location(path: Path | str) -> Location:
    return Location(str(path), 1, 1)


class MembershipError(ValueError):
    """A membership asked for on the command line or in the API does not exist or is not allowed."""
