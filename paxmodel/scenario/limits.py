"""The numeric-range policy: what `validate` accepts, every command can solve.

Numbers near the float limits (1e308, 1e-320) pass a type check but overflow, underflow or
vanish below the solvers' tolerances once multiplied along an inputs chain or divided in
share space. So every nonzero number in a scenario must lie within [MIN_MAGNITUDE,
MAX_MAGNITUDE] in magnitude, and each item's total requirement T_i (its demand plus what the
items that use it need, MODEL.md 2) at most MAX_REQUIREMENT. Both checks are located; they
walk the data generically, so new sections of the format are covered without extra code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from paxmodel.scenario.distributions import point
from paxmodel.scenario.errors import MAX_PROBLEMS, FieldPath, Location, Problem, dotted, shown
from paxmodel.scenario.schema import InputEntry, Scenario

MAX_MAGNITUDE = 1e12  # any quantity, cost, coefficient, weight or budget
MIN_MAGNITUDE = 1e-9  # smallest nonzero one
MAX_REQUIREMENT = 1e15  # T_i after the inputs chain

Locator = Callable[[FieldPath], Location]


# Characters no name or text may hold: terminal control codes (ESC starts colour codes and
# hyperlinks), and the bidirectional overrides that make text display in another order.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _hidden_character(text: str, key: bool) -> str | None:
    found = _HIDDEN.search(text) or (re.search("[\t\n\r]", text) if key else None)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_numbers(data: Any, locate: Locator) -> list[Problem]:
    """Every number of `data` (any nesting, iteratively) outside the policy, and every text or
    key holding a control character, located: names are printed to terminals and files."""
    problems: list[Problem] = []
    pending: list[tuple[FieldPath, Any]] = [((), data)]
    while pending and len(problems) < MAX_PROBLEMS:
        path, value = pending.pop()
        if isinstance(value, str):
            hidden = _hidden_character(value, key=False)
            if hidden is not None:
                problems.append(Problem(locate(path), dotted(path), f"control character {hidden} in text: not allowed"))
        elif isinstance(value, dict):
            for key in value:
                hidden = _hidden_character(str(key), key=True)
                if hidden is not None:
                    field = (*path, shown(str(key)))
                    problems.append(
                        Problem(
                            locate((*path, key)), dotted(field), f"control character {hidden} in a key: not allowed"
                        )
                    )
            pending.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, int | float) and not isinstance(value, bool) and value == value:
            size = abs(value)
            if size > MAX_MAGNITUDE and size != float("inf"):  # inf/nan: the schema says "finite"
                problems.append(
                    Problem(
                        locate(path),
                        dotted(path),
                        f"{shown(f'{value:g}')} is too large: numbers may be at most {MAX_MAGNITUDE:g} "
                        "(choose a larger unit)",
                    )
                )
            elif 0 < size < MIN_MAGNITUDE:
                problems.append(
                    Problem(
                        locate(path),
                        dotted(path),
                        f"{value:g} is too small: nonzero numbers must be at least {MIN_MAGNITUDE:g} "
                        "(choose a smaller unit, or write 0)",
                    )
                )
    return problems


def check_requirements(scenario: Scenario, locate: Locator) -> list[Problem]:
    """Items whose total requirement T_i (point values) exceeds MAX_REQUIREMENT.

    Needs a scenario without cycles in its inputs (checked before)."""
    items = {i: (s, item) for s, sector in scenario.sectors.items() for i, item in sector.items.items()}
    total = {i: point(item.demand) for i, (_, item) in items.items()}
    inputs = {
        j: {i: point(e.per_unit if isinstance(e, InputEntry) else e) for i, e in item.inputs.items() if i in items}
        for j, (_, item) in items.items()
    }
    users = dict.fromkeys(items, 0)
    for needs in inputs.values():
        for i in needs:
            users[i] += 1
    ready = [i for i, n in users.items() if n == 0]
    while ready:  # Kahn's order: every item before the items it needs
        j = ready.pop()
        for i, a_ij in inputs[j].items():
            total[i] += a_ij * total[j]
            users[i] -= 1
            if users[i] == 0:
                ready.append(i)
    return [
        Problem(
            locate(("sectors", items[i][0], "items", i)),
            dotted(("sectors", items[i][0], "items", i)),
            f"total requirement {total[i]:.3g} (demand plus the inputs of the items that use it) exceeds "
            f"{MAX_REQUIREMENT:g}: choose a larger unit or smaller input coefficients",
        )
        for i in sorted(items)
        if not total[i] <= MAX_REQUIREMENT
    ]


def within_policy(value: float) -> float:
    """`value`, or 0 when it is below MIN_MAGNITUDE: for code that generates scenario numbers."""
    return 0.0 if abs(value) < MIN_MAGNITUDE else value
