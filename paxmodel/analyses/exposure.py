"""The sector exposure report as plain data: one membership against the baseline.

`build_report` solves one configuration and turns the `RunResult` into an `ExposureReport`:
summary facts, per-sector item rows, look-through dependency, the EU CRMA 65% flags and the
sourcing split the charts draw. Everything a renderer (Markdown, HTML, CSV, JSON) shows is
here; renderers only format. Definitions are documented in docs/model.md, "Sector exposure
report".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Literal

from paxmodel.analyses.frontier import Frontier, budget_frontier
from paxmodel.model.network import Network
from paxmodel.model.run import Outcome, RunResult, number, solve
from paxmodel.model.solvers import SolverName
from paxmodel.model.sourcing import NOISE, aggregate
from paxmodel.model.uncertainty import uncertain_inputs
from paxmodel.scenario.load import LoadedScenario

if TYPE_CHECKING:
    from paxmodel.analyses.stress import ReportStress
    from paxmodel.analyses.sweep import ReportUncertainty

Case = Literal["baseline", "optimised"]
CASES: tuple[Case, ...] = ("baseline", "optimised")
Group = Literal["member", "other", "concern"]

CRMA_LIMIT = 0.65  # EU CRMA (Reg. 2024/1252, Art. 5): at most 65% from any single third country
CHOKEPOINT_CONCERN_SHARE = 0.5  # concern share above which an item remains a chokepoint
HIDDEN_UPSTREAM_GAP = 0.05  # look-through minus direct dependency worth pointing out (5 points)
LARGEST = 5  # how many reductions the summary names
REPORT_SAMPLES = 200  # samples of the report's sweep when the scenario gives ranges
TOLERANCE = 1e-9  # shares within this of a threshold do not cross it (LP solutions sit on caps)


@dataclass(frozen=True)
class Change:
    """One metric before (baseline) and after (optimised under the membership)."""

    baseline: float
    optimised: float

    @property
    def removed(self) -> float:
        """Baseline minus optimised; rounding noise (a few ulps of the operands) reads as 0."""
        difference = self.baseline - self.optimised
        scale = max(1.0, abs(self.baseline), abs(self.optimised))
        return 0.0 if abs(difference) <= 1e-12 * scale else difference

    def to_dict(self, with_removed: bool = True) -> dict[str, float]:
        document = {"baseline": number(self.baseline), "optimised": number(self.optimised)}
        if with_removed:
            document["removed"] = number(self.removed)
        return document


@dataclass(frozen=True)
class Split:
    """Where an item's requirement T_i comes from, as fractions of T_i (the five sum to 1).

    `unneeded` is non-zero only under the membership: the LP balances an item against what
    the items that use it actually make, so when a user is short, less of its inputs is needed.
    """

    member: float
    other: float
    concern: float
    shortfall: float
    unneeded: float

    def to_dict(self) -> dict[str, float]:
        return {
            "member": number(self.member),
            "other": number(self.other),
            "concern": number(self.concern),
            "shortfall": number(self.shortfall),
            "unneeded": number(self.unneeded),
        }


@dataclass(frozen=True)
class Supplier:
    """One country's part in one item, before and after (amounts in the item's unit)."""

    country: str
    name: str
    group: Group
    available: float  # A_ic, what it supplies today at most
    baseline: float  # x0_ic
    optimised: float  # x_ic
    expansion: float  # expansion used under the membership
    expansion_cost: float  # expansion * cost per unit

    def share(self, case: Case, requirement: float) -> float:
        return (self.baseline if case == "baseline" else self.optimised) / requirement


@dataclass(frozen=True)
class CrmaFlag:
    """A non-member country holding more than 65% of an item's requirement."""

    country: str
    share: float


@dataclass(frozen=True)
class ItemRow:
    id: str
    name: str
    sector: str
    unit: str
    requirement: float  # T_i
    demand: float  # d_i
    inputs: dict[str, float]  # input item -> units of it per unit of this item
    value_shares: dict[str, float]  # input item -> its share of this item's value (look-through weight)
    suppliers: tuple[Supplier, ...]  # every country that supplies or could supply, sorted by baseline amount
    # None for items with T_i = 0: they need nothing and carry no metric.
    dependency: Change | None
    lookthrough: Change | None
    concern_share: Change | None
    hhi: Change | None
    shortfall: Change | None
    split: dict[Case, Split] | None
    crma: dict[Case, CrmaFlag | None]
    binding: str | None = None  # what stops the dependency falling further (model.diagnostics); None: unknown

    @property
    def active(self) -> bool:
        return self.dependency is not None

    @property
    def top_suppliers(self) -> tuple[Supplier, ...]:
        """The three largest suppliers at baseline."""
        return tuple(s for s in self.suppliers if s.baseline > 0)[:3]

    @property
    def expansion_used(self) -> tuple[Supplier, ...]:
        return tuple(sorted((s for s in self.suppliers if s.expansion > 0), key=lambda s: s.country))

    @property
    def hidden_upstream(self) -> float:
        """Optimised look-through minus direct dependency: exposure that sits in the inputs."""
        if self.lookthrough is None or self.dependency is None:
            return 0.0
        return self.lookthrough.optimised - self.dependency.optimised

    def to_dict(self) -> dict[str, Any]:
        def maybe(change: Change | None, with_removed: bool = True) -> dict[str, float] | None:
            return None if change is None else change.to_dict(with_removed)

        req = self.requirement
        return {
            "name": self.name,
            "sector": self.sector,
            "unit": self.unit,
            "requirement": number(req),
            "demand": number(self.demand),
            "inputs": {k: number(a) for k, a in sorted(self.inputs.items())},
            "input_value_shares": {k: number(v) for k, v in sorted(self.value_shares.items())},
            "dependency": maybe(self.dependency),
            "lookthrough": maybe(self.lookthrough),
            "concern_share": maybe(self.concern_share),
            "hhi": maybe(self.hhi, with_removed=False),
            "shortfall": maybe(self.shortfall, with_removed=False),
            "split": None if self.split is None else {case: self.split[case].to_dict() for case in CASES},
            "crma_flag": {
                case: None if flag is None else {"country": flag.country, "share": number(flag.share)}
                for case, flag in self.crma.items()
            },
            "binding": self.binding,
            "top_suppliers": [
                {"country": s.country, "amount": number(s.baseline), "share": number(s.baseline / req)}
                for s in self.top_suppliers
            ],
            "expansion": {
                s.country: {"amount": number(s.expansion), "cost": number(s.expansion_cost)}
                for s in self.expansion_used
            },
            "sourcing": {
                s.country: {
                    "group": s.group,
                    "available": number(s.available),
                    "baseline": number(s.baseline),
                    "optimised": number(s.optimised),
                    "share_baseline": number(s.baseline / req) if req > 0 else None,
                    "share_optimised": number(s.optimised / req) if req > 0 else None,
                }
                for s in sorted(self.suppliers, key=lambda s: s.country)
            },
        }


@dataclass(frozen=True)
class SectorRow:
    id: str
    name: str
    weight: float
    items: tuple[str, ...]  # item ids in file order
    dependency: Change | None  # None when no item of the sector has T > 0
    lookthrough: Change | None
    concern_share: Change | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": number(self.weight),
            "items": list(self.items),
            "dependency": None if self.dependency is None else self.dependency.to_dict(),
            "lookthrough": None if self.lookthrough is None else self.lookthrough.to_dict(),
            "concern_share": None if self.concern_share is None else self.concern_share.to_dict(),
        }


@dataclass(frozen=True)
class Summary:
    """The facts the written summary is made of."""

    dependency: Change  # overall risk-weighted dependency
    lookthrough: Change
    concern_share: Change
    largest_item_reductions: tuple[tuple[str, float], ...]  # (item, points removed), largest first
    sector_reductions: tuple[tuple[str, float], ...]  # every active sector, largest first
    concern_chokepoints: tuple[tuple[str, float], ...]  # (item, optimised concern share > 50%)
    shortfall_items: tuple[tuple[str, float], ...]  # (item, optimised shortfall in its unit)
    crma_flagged: dict[Case, tuple[str, ...]]  # items with a non-member above 65%
    hidden_upstream: tuple[tuple[str, float], ...]  # (item, look-through minus direct), optimised
    expansion_cost: float
    budget: float | None
    budget_shadow_price: float | None = None  # objective fall per extra unit of budget (LP dual)

    def to_dict(self) -> dict[str, Any]:
        def pairs(values: Iterable[tuple[str, float]]) -> list[dict[str, Any]]:
            return [{"item": key, "value": number(value)} for key, value in values]

        return {
            "dependency": self.dependency.to_dict(),
            "lookthrough": self.lookthrough.to_dict(),
            "concern_share": self.concern_share.to_dict(),
            "largest_item_reductions": pairs(self.largest_item_reductions),
            "sector_reductions": [{"sector": s, "value": number(v)} for s, v in self.sector_reductions],
            "concern_chokepoints": pairs(self.concern_chokepoints),
            "shortfall_items": pairs(self.shortfall_items),
            "crma_flagged": {case: list(items) for case, items in self.crma_flagged.items()},
            "hidden_upstream": pairs(self.hidden_upstream),
            "expansion_cost": number(self.expansion_cost),
            "budget": None if self.budget is None else number(self.budget),
            "budget_shadow_price": None if self.budget_shadow_price is None else number(self.budget_shadow_price),
        }


@dataclass(frozen=True)
class Provenance:
    scenario: str
    description: str | None
    files: tuple[str, ...]
    sha256: str
    membership: str
    members: tuple[str, ...]
    solver: str
    status: str
    objective: float
    versions: dict[str, str]
    date: str  # ISO date
    sources: dict[str, str]  # citation key -> full citation, as in the scenario
    overrides: tuple[str, ...] = ()  # `--set PATH=VALUE` overrides applied over the files

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "description": self.description,
            "files": list(self.files),
            "sha256": self.sha256,
            "membership": self.membership,
            "members": list(self.members),
            "solver": self.solver,
            "status": self.status,
            "objective": number(self.objective),
            "versions": dict(sorted(self.versions.items())),
            "date": self.date,
            "sources": dict(sorted(self.sources.items())),
        } | ({"overrides": list(self.overrides)} if self.overrides else {})


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    group: Group
    risk: float  # r_c, status quo


@dataclass(frozen=True)
class ExposureReport:
    provenance: Provenance
    summary: Summary
    countries: dict[str, Country]  # sorted by code
    sectors: tuple[SectorRow, ...]  # in file order
    items: dict[str, ItemRow]  # in file order (sector by sector)
    uncertainty: ReportUncertainty | None = None  # a sweep over the scenario's ranges, if it has any
    stress: ReportStress | None = None  # every membership under every shock, if the scenario has shocks
    frontier: Frontier | None = None  # the cost of de-risking for this membership (MODEL.md 8)

    def sector_items(self, sector: SectorRow) -> tuple[ItemRow, ...]:
        return tuple(self.items[i] for i in sector.items)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: plain floats, deterministic for a given date."""
        return (
            {
                "report": "sector-exposure",
                "provenance": self.provenance.to_dict(),
                "summary": self.summary.to_dict(),
                "countries": {
                    c.code: {"name": c.name, "group": c.group, "risk": number(c.risk)} for c in self.countries.values()
                },
                "sectors": {s.id: s.to_dict() for s in self.sectors},
                "items": {i.id: i.to_dict() for i in self.items.values()},
            }
            | ({"uncertainty": self.uncertainty.to_dict()} if self.uncertainty is not None else {})
            | ({"stress": self.stress.to_dict()} if self.stress is not None else {})
            | ({"frontier": self.frontier.to_dict()} if self.frontier is not None else {})
        )


def build_report(
    loaded: LoadedScenario,
    membership: str | None = None,
    members: Iterable[str] | None = None,
    solver: SolverName = "highs",
    date: dt.date | str | None = None,
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    stress: bool = True,
) -> ExposureReport:
    """Solve one membership of `loaded` (as `paxmodel run` does) and build its exposure report.

    When the scenario gives ranges (MODEL.md 6), the report also carries a sweep of `samples`
    samples (default `REPORT_SAMPLES`; 0: none) of this membership and the file's others.
    When it has shocks (MODEL.md 5) and `stress` is true, a stress section: every membership
    of the file under every shock.
    """
    result = solve(loaded, membership, members, solver)
    report = report_from_result(loaded, result, date)
    if samples != 0 and uncertain_inputs(loaded):
        from paxmodel.analyses.sweep import ReportUncertainty, sweep

        swept = {result.membership: result.members}
        swept |= {name: codes for name, codes in loaded.memberships.items() if name not in swept}
        outcome = sweep(loaded, samples=samples or REPORT_SAMPLES, seed=seed, workers=workers, members=swept)
        report = replace(report, uncertainty=ReportUncertainty.of(outcome))
    if stress and loaded.scenario.shocks:
        from paxmodel.analyses.stress import report_stress

        report = replace(report, stress=report_stress(loaded, result.membership, result.members))
    return report


def report_from_result(loaded: LoadedScenario, result: RunResult, date: dt.date | str | None = None) -> ExposureReport:
    """The exposure report of an already solved configuration of `loaded`."""
    net = result.network
    scenario = loaded.scenario
    members = frozenset(result.members)

    def group(country: str) -> Group:
        return "member" if country in members else "concern" if country in net.concern else "other"

    countries = {
        c: Country(code=c, name=scenario.countries[c].name, group=group(c), risk=net.risk[c]) for c in net.countries
    }
    outcomes: dict[Case, Outcome] = {"baseline": result.baseline, "optimised": result.optimised}
    lookthrough = {
        case: lookthrough_dependency(net, {i: m.dependency for i, m in o.items.items()}) for case, o in outcomes.items()
    }

    items: dict[str, ItemRow] = {}
    for sector_id, sector in scenario.sectors.items():
        for item_id, item in sector.items.items():
            if net.sector_of[item_id] == sector_id:
                row = _item_row(net, item_id, item.name, item.unit, outcomes, lookthrough, countries)
                if result.diagnostics is not None:
                    row = dataclasses.replace(row, binding=result.diagnostics.binding.get(item_id))
                items[item_id] = row

    def change(values: Mapping[Case, Mapping[str, float]], key: str) -> Change | None:
        if key not in values["baseline"]:
            return None
        return Change(values["baseline"][key], values["optimised"][key])

    lt_aggregate = {case: aggregate(net, lookthrough[case]) for case in CASES}
    dep_sectors = {case: outcomes[case].dependency.sectors for case in CASES}
    lt_sectors = {case: lt_aggregate[case].sectors for case in CASES}
    concern_sectors = {case: outcomes[case].concern_share.sectors for case in CASES}
    sectors = tuple(
        SectorRow(
            id=sector_id,
            name=sector.name,
            weight=sector.weight,
            items=tuple(i for i in sector.items if net.sector_of[i] == sector_id),
            dependency=change(dep_sectors, sector_id),
            lookthrough=change(lt_sectors, sector_id),
            concern_share=change(concern_sectors, sector_id),
        )
        for sector_id, sector in scenario.sectors.items()
    )

    summary = _summary(net, result, items, sectors, lt_aggregate["baseline"].overall, lt_aggregate["optimised"].overall)
    provenance = Provenance(
        scenario=result.scenario,
        description=scenario.description,
        files=tuple(str(f) for f in loaded.files),
        sha256=loaded.sha256,
        membership=result.membership,
        members=result.members,
        solver=result.solver,
        status=result.status,
        objective=result.objective,
        versions=_versions(),
        date=report_date(date),
        sources=dict(scenario.sources),
        overrides=loaded.overrides,
    )
    frontier = budget_frontier(net, result.members, result.membership, loaded.name)
    return ExposureReport(
        provenance=provenance, summary=summary, countries=countries, sectors=sectors, items=items, frontier=frontier
    )


def lookthrough_dependency(network: Network, dependency: Mapping[str, float]) -> dict[str, float]:
    """LT_i = (1 - sum_k v_ik) * dependency_i + sum_k v_ik * LT_k, for every item with T > 0 (MODEL.md 7).

    A value-weighted average: an item is as exposed as the parts of its value are, its own
    step carrying what the inputs leave. So LT_i lies between the smallest and the largest of
    dependency_i and its inputs' LT_k, and never saturates at 100% because some input is
    risky. Inputs of an item with T > 0 have T > 0 themselves, so the recursion only meets
    items that carry a dependency; items with T = 0 get no look-through.
    """
    result: dict[str, float] = {}
    for i in reversed(network.topological_order):  # inputs before the items that use them
        if i not in dependency:
            continue
        shares = network.value_share[i]
        result[i] = (1.0 - sum(shares.values())) * dependency[i] + sum(v * result[k] for k, v in shares.items())
    return {i: result[i] for i in network.items if i in result}


def crma_flag(shares: Mapping[str, float], members: Iterable[str]) -> CrmaFlag | None:
    """The non-member holding more than 65% of the requirement, if any (shares are x_ic / T_i)."""
    excluded = set(members)
    candidates = [(share, c) for c, share in shares.items() if c not in excluded and share > CRMA_LIMIT + TOLERANCE]
    if not candidates:
        return None
    share, country = max(candidates)
    return CrmaFlag(country=country, share=share)


def _item_row(
    net: Network,
    item: str,
    name: str,
    unit: str,
    outcomes: Mapping[Case, Outcome],
    lookthrough: Mapping[Case, Mapping[str, float]],
    countries: Mapping[str, Country],
) -> ItemRow:
    base, opt = outcomes["baseline"], outcomes["optimised"]
    need = net.requirement[item]
    codes = (
        set(net.available[item])
        | set(net.expansion_capacity[item])
        | set(base.sourcing.sourced[item])
        | set(opt.sourcing.sourced[item])
    )
    suppliers = []
    for c in codes:
        used = opt.sourcing.expansion[item].get(c, 0.0)
        suppliers.append(
            Supplier(
                country=c,
                name=countries[c].name,
                group=countries[c].group,
                available=net.available[item].get(c, 0.0),
                baseline=base.sourcing.sourced[item].get(c, 0.0),
                optimised=opt.sourcing.sourced[item].get(c, 0.0),
                expansion=used,
                expansion_cost=used * net.expansion_cost[item].get(c, 0.0),
            )
        )
    suppliers.sort(key=lambda s: (-s.baseline, -s.available, s.country))
    active = item in base.items
    members = [c for c, v in countries.items() if v.group == "member"]

    def pair(attribute: str) -> Change | None:
        if not active:
            return None
        return Change(getattr(base.items[item], attribute), getattr(opt.items[item], attribute))

    split: dict[Case, Split] | None = None
    crma: dict[Case, CrmaFlag | None] = dict.fromkeys(CASES)
    if active:
        split = {}
        for case, outcome in outcomes.items():
            shares = {c: x / need for c, x in outcome.sourcing.sourced[item].items()}
            by_group = {
                g: sum((v for c, v in shares.items() if countries[c].group == g), 0.0)
                for g in ("member", "other", "concern")
            }
            shortfall = outcome.sourcing.shortfall[item] / need
            met = sum(by_group.values()) + shortfall
            split[case] = Split(
                member=by_group["member"],
                other=by_group["other"],
                concern=by_group["concern"],
                shortfall=shortfall,
                unneeded=1.0 - met if met < 1.0 - TOLERANCE else 0.0,
            )
            crma[case] = crma_flag(shares, members)
    return ItemRow(
        id=item,
        name=name,
        sector=net.sector_of[item],
        unit=unit,
        requirement=need,
        demand=net.demand[item],
        inputs=dict(net.inputs[item]),
        value_shares=dict(net.value_share[item]),
        suppliers=tuple(suppliers),
        dependency=pair("dependency"),
        lookthrough=Change(lookthrough["baseline"][item], lookthrough["optimised"][item]) if active else None,
        concern_share=pair("concern_share"),
        hhi=pair("hhi"),
        shortfall=pair("shortfall"),
        split=split,
        crma=crma,
    )


def _summary(
    net: Network,
    result: RunResult,
    items: Mapping[str, ItemRow],
    sectors: Iterable[SectorRow],
    lookthrough_before: float,
    lookthrough_after: float,
) -> Summary:
    base, opt = result.baseline, result.optimised
    active = [row for row in items.values() if row.active]

    def ranked(values: Iterable[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
        return tuple(sorted(values, key=lambda pair: (-pair[1], pair[0])))

    reductions = ranked(
        (r.id, r.dependency.removed) for r in active if r.dependency and r.dependency.removed > TOLERANCE
    )
    return Summary(
        dependency=Change(base.dependency.overall, opt.dependency.overall),
        lookthrough=Change(lookthrough_before, lookthrough_after),
        concern_share=Change(base.concern_share.overall, opt.concern_share.overall),
        largest_item_reductions=reductions[:LARGEST],
        sector_reductions=ranked((s.id, s.dependency.removed) for s in sectors if s.dependency is not None),
        concern_chokepoints=ranked(
            (r.id, r.concern_share.optimised)
            for r in active
            if r.concern_share and r.concern_share.optimised > CHOKEPOINT_CONCERN_SHARE + TOLERANCE
        ),
        shortfall_items=tuple(
            (r.id, r.shortfall.optimised)
            for r in active
            if r.shortfall and r.shortfall.optimised > NOISE * max(1.0, r.requirement)
        ),
        crma_flagged={case: tuple(r.id for r in active if r.crma[case] is not None) for case in CASES},
        hidden_upstream=ranked(
            (r.id, r.hidden_upstream) for r in active if r.inputs and r.hidden_upstream >= HIDDEN_UPSTREAM_GAP
        )[:LARGEST],
        expansion_cost=sum(s.expansion_cost for r in items.values() for s in r.suppliers),
        budget=net.budget,
        budget_shadow_price=None if result.diagnostics is None else result.diagnostics.budget_shadow_price,
    )


def report_date(date: dt.date | str | None = None) -> str:
    """The report's date: the argument, else SOURCE_DATE_EPOCH (reproducible builds), else today (UTC)."""
    if isinstance(date, dt.date):
        return date.isoformat()
    if isinstance(date, str):
        return dt.date.fromisoformat(date).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}") from None
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("paxmodel", "pulp", "highspy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "unknown"
    return versions
