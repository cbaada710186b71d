"""The risk rule: a country's risk weight from WGI governance and export restrictions in force.

    governance_c = mean of the WGI estimates given for c (default: all six dimensions)
    risk_c       = min(1, clip((2.5 - governance_c) / 5, 0, 1) + premium * restricted_c)

WGI estimates run from about -2.5 (weak) to +2.5 (strong), so the first term maps the whole
scale linearly onto [0, 1] (the EU criticality method rescales WGI linearly as well). A country
with an export restriction in force on a critical material (a row of the restrictions table)
adds `premium` (default 0.2), capped at 1: a restriction is evidence the supplier uses supply
as leverage. Risks are rounded to 3 decimals. Whether a country is `concern` is a political
choice the rule does not touch. Countries the table does not cover get no derived risk.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from paxmodel.importers.fragment import csv_records, problem, read_text
from paxmodel.importers.wgi import SERIES, WgiTable
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.schema import Country

SCALE_HIGH = 2.5  # WGI estimates lie (almost always) in [-2.5, 2.5]
RESTRICTION_PREMIUM = 0.2
RULE = (
    "risk = min(1, clip((2.5 - mean of the WGI estimates) / 5, 0, 1) "
    "+ {premium:g} if an export restriction is in force)"
)
RESTRICTION_COLUMNS = ("country", "measure", "in_force", "source")


@dataclass(frozen=True)
class Restriction:
    country: str  # ISO alpha-2
    measure: str
    in_force: str  # date or year the measure took effect
    source: str


@dataclass(frozen=True)
class DerivedRisk:
    """A risk weight with the inputs it was derived from."""

    country: str
    risk: float
    governance: float  # mean of the estimates used
    estimates: dict[str, float]  # series code -> estimate
    restrictions: tuple[Restriction, ...]
    premium: float

    def explanation(self, year: int) -> str:
        """The inputs and the arithmetic, for a `notes:` line."""
        parts = ", ".join(f"{code} {value:+.2f}" for code, value in self.estimates.items())
        base = min(1.0, max(0.0, (SCALE_HIGH - self.governance) / (2 * SCALE_HIGH)))
        text = f"WGI {year}: {parts}; mean {self.governance:+.3f} -> (2.5 - mean) / 5 = {base:.3f}"
        if self.restrictions:
            measures = "; ".join(f"{r.measure} ({r.in_force}, {r.source})" for r in self.restrictions)
            text += f"; + {self.premium:g} export restrictions in force: {measures}"
        return text + f" -> risk {self.risk:g}"


def risk_weight(estimates: Mapping[str, float], restricted: bool, premium: float = RESTRICTION_PREMIUM) -> float:
    """THE rule (module docstring): risk weight in [0, 1] from WGI estimates and a restriction flag."""
    if not estimates:
        raise ValueError("the risk rule needs at least one WGI estimate")
    governance = sum(estimates.values()) / len(estimates)
    base = min(1.0, max(0.0, (SCALE_HIGH - governance) / (2 * SCALE_HIGH)))
    return round(min(1.0, base + (premium if restricted else 0.0)), 3)


def derive_risks(
    table: WgiTable,
    restrictions: Iterable[Restriction] = (),
    countries: Iterable[str] | None = None,
    premium: float = RESTRICTION_PREMIUM,
) -> dict[str, DerivedRisk]:
    """Derived risk of every country of `table` (or of `countries` that it covers), sorted by code."""
    if not 0 <= premium <= 1:
        raise ValueError(f"the restriction premium must be in [0, 1], got {premium:g}")
    by_country: dict[str, list[Restriction]] = {}
    for r in restrictions:
        by_country.setdefault(r.country, []).append(r)
    codes = sorted(table.estimates if countries is None else set(countries) & set(table.estimates))
    derived: dict[str, DerivedRisk] = {}
    for code in codes:
        estimates = {s: table.estimates[code][s].value for s in SERIES if s in table.estimates[code]}
        own = tuple(by_country.get(code, ()))
        derived[code] = DerivedRisk(
            country=code,
            risk=risk_weight(estimates, bool(own), premium),
            governance=sum(estimates.values()) / len(estimates),
            estimates=estimates,
            restrictions=own,
            premium=premium,
        )
    return derived


def read_restrictions(path: Path) -> tuple[Restriction, ...]:
    """The export-restrictions table: CSV with columns country (ISO alpha-2), measure, in_force, source."""
    from paxmodel.importers.fragment import COUNTRY_CODE

    text, _ = read_text(path)
    lines = text.splitlines(keepends=True)
    header = [c.strip() for c in next(csv.reader(lines[:1]), [])]
    missing = [c for c in RESTRICTION_COLUMNS if c not in header]
    if missing:
        raise ScenarioError([problem(path, 1, "", f"missing column {', '.join(repr(c) for c in missing)}")])
    at = {c: header.index(c) for c in RESTRICTION_COLUMNS}
    found: list[Restriction] = []
    problems = []
    for line, fields in csv_records(iter(lines)):
        cells = {c: (fields[n].strip() if n < len(fields) else "") for c, n in at.items()}
        if not COUNTRY_CODE.match(cells["country"]):
            problems.append(problem(path, line, "country", f"{cells['country']!r} is not a country code"))
            continue
        if not cells["measure"]:
            problems.append(problem(path, line, "measure", "the measure is empty"))
            continue
        found.append(Restriction(cells["country"], cells["measure"], cells["in_force"], cells["source"]))
    if problems:
        raise ScenarioError(problems)
    return tuple(found)


def wgi_citation(path: Path, year: int) -> str:
    return (
        f"World Bank, Worldwide Governance Indicators, {year} estimates (CC BY 4.0), "
        f"www.worldbank.org/en/publication/worldwide-governance-indicators; file {path.name}"
    )


def countries_fragment(
    derived: Mapping[str, DerivedRisk],
    year: int,
    citation: str,
    header: str,
    scenario_countries: Mapping[str, Country] | None = None,
) -> str:
    """The `countries:` block as YAML text, every derivation in a `notes:` line.

    With `scenario_countries` (`paxmodel risk`): every country of the scenario, with its name
    and concern flag kept; countries the table does not cover keep their risk, marked as such.
    Without (`paxmodel import wgi`): `{risk, notes}` of every derived country.
    """
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"# rule (paxmodel.rules.risk): {RULE.format(premium=_premium(derived))}"]
    lines += ["# concern flags are a political choice and are kept as the scenario states them", "sources:"]
    lines += [f"  wgi-{year}: {_quoted(citation)}", "countries:"]
    codes = sorted(scenario_countries) if scenario_countries is not None else sorted(derived)
    for code in codes:
        entry: list[str] = []
        if scenario_countries is not None:
            entry.append(f"name: {_quoted(scenario_countries[code].name)}")
        if code in derived:
            entry.append(f"risk: {derived[code].risk:g}")
            notes = f"derived (wgi-{year}): {derived[code].explanation(year)}"
        else:
            assert scenario_countries is not None
            entry.append(f"risk: {_risk_text(scenario_countries[code])}")
            notes = "not in the WGI table: risk kept as the scenario states it (an assumption)"
        if scenario_countries is not None and scenario_countries[code].concern:
            entry.append("concern: true")
        entry.append(f"notes: {_quoted(notes)}")
        lines.append(f"  {code}: {{{', '.join(entry)}}}")
    return "\n".join(lines) + "\n"


def _premium(derived: Mapping[str, DerivedRisk]) -> float:
    return next(iter(derived.values())).premium if derived else RESTRICTION_PREMIUM


def _risk_text(country: Country) -> str:
    """The scenario's own risk as YAML: a number, or a distribution as a flow mapping."""
    if isinstance(country.risk, float | int):
        return f"{country.risk:g}"
    return json.dumps(country.risk.model_dump(exclude_none=True))


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
