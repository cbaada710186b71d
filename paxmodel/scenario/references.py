"""Checks that need the whole scenario: names that refer to other sections, and cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from paxmodel.scenario.errors import MAX_PROBLEMS, FieldPath, Location, Problem, did_you_mean, dotted, shown
from paxmodel.scenario.schema import DerivedMembership, InputEntry, Scenario

Locator = Callable[[FieldPath], Location]

# Codes people write for a country whose ISO alpha-2 code differs (EU usage, everyday usage).
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def country_hint(code: str, countries: Iterable[str]) -> str:
    """A "did you mean" for a country code, knowing the common non-ISO aliases."""
    known = set(countries)
    alias = COUNTRY_ALIASES.get(code)
    if alias in known:
        return f" (did you mean '{alias}'? ISO 3166 codes are used)"
    same_country = [other for other, iso in COUNTRY_ALIASES.items() if iso == code and other in known]
    if same_country:
        return f" (did you mean '{same_country[0]}', the code this file uses for it?)"
    return did_you_mean(code, known)


def item_sectors(scenario: Scenario) -> dict[str, str]:
    """Item id -> id of the (first) sector that defines it."""
    owners: dict[str, str] = {}
    for sector_id, sector in scenario.sectors.items():
        for item_id in sector.items:
            owners.setdefault(item_id, sector_id)
    return owners


class Problems(list[Problem]):
    """Problems found, and how many more were only counted (past MAX_PROBLEMS)."""

    def __init__(self, problems: Iterable[Problem] = (), omitted: int = 0) -> None:
        super().__init__(problems)
        self.omitted = omitted


def check_references(scenario: Scenario, locate: Locator) -> Problems:
    """Every broken reference or cycle in `scenario`, located."""
    problems: list[Problem] = []
    skipped = 0

    def report(field: FieldPath, message: str) -> None:
        nonlocal skipped
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(locate(field), dotted(field), message))
        else:  # a file with a million bad references: count them, do not list them
            skipped += 1

    countries = scenario.countries
    sources = scenario.sources
    owners = item_sectors(scenario)

    def check_country(field: FieldPath, code: str, member: bool) -> None:
        if code not in countries:
            report(field, f"unknown country '{shown(code)}'{country_hint(code, countries)}")
        elif member and countries[code].concern:
            report(field, f"'{code}' is a country of concern and can never be a member")

    def check_source(field: FieldPath, key: str | None) -> None:
        if key is not None and key not in sources:
            report(field, f"unknown source '{shown(key)}'{did_you_mean(key, sources)}")

    for sector_id, sector in scenario.sectors.items():
        for item_id, item in sector.items.items():
            at: FieldPath = ("sectors", sector_id, "items", item_id)
            if owners[item_id] != sector_id:
                report(at, f"item id '{item_id}' is already defined in sector '{owners[item_id]}'")
            check_source((*at, "source"), item.source)
            check_source((*at, "stock_source"), item.stock_source)
            for code, supply in item.supply.items():
                check_country((*at, "supply", code), code, member=False)
                check_source((*at, "supply", code, "source"), supply.source)
            for code, expansion in item.expansion.items():
                check_country((*at, "expansion", code), code, member=True)
                check_source((*at, "expansion", code, "source"), expansion.source)
            for input_id in item.inputs:
                if input_id not in owners:
                    report(
                        (*at, "inputs", input_id), f"unknown item '{shown(input_id)}'{did_you_mean(input_id, owners)}"
                    )
            given = sum(
                e.value_share for e in item.inputs.values() if isinstance(e, InputEntry) and e.value_share is not None
            )
            if given > 1 + 1e-9:
                report((*at, "inputs"), f"the inputs' value shares add up to {given:g}; they may add up to 1 at most")

    for cycle in _input_cycles(scenario, owners):
        first = cycle[0]
        report(
            ("sectors", owners[first], "items", first, "inputs", cycle[1]),
            "cycle in inputs: " + " -> ".join(cycle),
        )

    for name, membership in scenario.memberships.items():
        at = ("memberships", name)
        if isinstance(membership, DerivedMembership):
            if membership.extends not in scenario.memberships:
                report(
                    (*at, "extends"),
                    f"unknown membership '{shown(membership.extends)}'{did_you_mean(membership.extends, scenario.memberships)}",
                )
            for key, codes in (("add", membership.add), ("remove", membership.remove)):
                for index, code in enumerate(codes):
                    check_country((*at, key, index), code, member=True)
        else:
            for index, code in enumerate(membership):
                check_country((*at, index), code, member=True)
    for cycle in _membership_cycles(scenario):
        report(("memberships", cycle[0], "extends"), "cycle in membership extends: " + " -> ".join(cycle))

    for index, code in enumerate(scenario.candidates or []):
        check_country(("candidates", index), code, member=True)

    for name, cuts in scenario.shocks.items():
        for n, cut in enumerate(cuts):
            at = ("shocks", name, n)
            check_country((*at, "country"), cut.country, member=False)
            check_source((*at, "source"), cut.source)
            for index, item_id in enumerate(cut.items or []):
                if item_id not in owners:
                    report((*at, "items", index), f"unknown item '{shown(item_id)}'{did_you_mean(item_id, owners)}")
            for index, sector_id in enumerate(cut.sectors or []):
                if sector_id not in scenario.sectors:
                    report(
                        (*at, "sectors", index),
                        f"unknown sector '{shown(sector_id)}'{did_you_mean(sector_id, scenario.sectors)}",
                    )
    return Problems(problems, omitted=skipped)


def _input_cycles(scenario: Scenario, owners: dict[str, str]) -> Iterator[list[str]]:
    """Each cycle of the inputs graph once, as `[a, b, ..., a]` starting at its smallest id."""
    inputs = {
        item_id: sorted(k for k in item.inputs if k in owners)
        for sector in scenario.sectors.values()
        for item_id, item in sector.items.items()
    }
    yield from _cycles(inputs)


def _membership_cycles(scenario: Scenario) -> Iterator[list[str]]:
    parents = {
        name: [m.extends] if isinstance(m, DerivedMembership) and m.extends in scenario.memberships else []
        for name, m in scenario.memberships.items()
    }
    yield from _cycles(parents)


def _cycles(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """Depth-first search reporting one cycle per back edge, deduplicated by node set."""
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    seen: set[frozenset[str]] = set()
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, [])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = path[path.index(child) :]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    pivot = cycle.index(min(cycle))
                    ordered = cycle[pivot:] + cycle[:pivot]
                    yield [*ordered, ordered[0]]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph.get(child, []))))


def resolve_memberships(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Membership name -> sorted member codes, following extends/add/remove (file order kept).

    Iterative: a chain of thousands of `extends` resolves without deep recursion.
    """
    resolved: dict[str, tuple[str, ...]] = {}
    for name in scenario.memberships:
        chain = [name]
        while chain[-1] not in resolved:
            membership = scenario.memberships[chain[-1]]
            if not isinstance(membership, DerivedMembership):
                resolved[chain.pop()] = tuple(sorted(set(membership)))
                break
            chain.append(membership.extends)
        for derived in reversed(chain):
            if derived not in resolved:
                membership = scenario.memberships[derived]
                assert isinstance(membership, DerivedMembership)
                parent = set(resolved[membership.extends])
                resolved[derived] = tuple(sorted((parent | set(membership.add)) - set(membership.remove)))
    return {name: resolved[name] for name in scenario.memberships}


def default_candidates(
    scenario: Scenario, explicit: tuple[str, ...] | None, base_members: tuple[str, ...]
) -> tuple[str, ...]:
    """The explicit candidates less current members, or every non-concern non-member."""
    pool = explicit if explicit is not None else tuple(c for c, v in scenario.countries.items() if not v.concern)
    return tuple(sorted(set(pool) - set(base_members)))


Cuts = dict[tuple[str, str], float]  # (country, item) -> fraction of supply and expansion lost


def resolve_shocks(scenario: Scenario) -> dict[str, Cuts]:
    """Shock name -> {(country, item): cut}, sorted by pair (file order of shocks kept).

    A cut names `items` plus every item of `sectors`, or every item when it names neither;
    several cuts on one (country, item) combine as 1 - prod(1 - cut) (MODEL.md 5).
    """
    owners = item_sectors(scenario)
    every_item = sorted(owners)
    resolved: dict[str, Cuts] = {}
    for name, cuts in scenario.shocks.items():
        kept: dict[tuple[str, str], float] = {}  # (country, item) -> product of (1 - cut)
        for cut in cuts:
            if cut.items is None and cut.sectors is None:
                items = set(every_item)
            else:
                items = set(cut.items or ())
                items.update(i for i in every_item if owners[i] in set(cut.sectors or ()))
            for item in items:
                pair = (cut.country, item)
                kept[pair] = kept.get(pair, 1.0) * (1.0 - cut.cut)
        resolved[name] = {pair: 1.0 - kept[pair] for pair in sorted(kept)}
    return resolved
