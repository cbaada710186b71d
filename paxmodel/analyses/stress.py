"""Stress tests (MODEL.md 5): every membership under every shock, and the worst-case cut-off.

A shock is a set of cuts {(country, item): fraction lost}; under it, both what the country
can supply (A_ic) and what it could add as a member (E_ic) shrink by that fraction. Each cell
of the matrix is one membership under one shock: the bloc re-sources optimally (the LP of
MODEL.md 2.2 on the cut numbers) and we report its dependency and *shortfall share*
(u_i / T_i, averaged with the usual weights), the status quo under the same shock, and how
long stockpiles last (12 * stock_i / u_i months).

Cells are evaluated on the one warm engine (`FastSolver`): a shock is a variant of the
scenario's numbers (`Network.with_cuts`) whose LP differs in bounds only; the cells are solved
one membership at a time, shock after shock, each warm-started from the last. The worst case
(`--worst K`) is one MILP: `paxmodel.analyses.interdiction`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from paxmodel.analyses.engine import Configuration, Evaluation
from paxmodel.analyses.interdiction import MilpSize
from paxmodel.model.arrays import Array
from paxmodel.model.network import Network
from paxmodel.model.run import EMPTY_MEMBERSHIP, Outcome, Runner, number, resolve_members
from paxmodel.model.solvers import SolverError
from paxmodel.model.sourcing import NOISE, Aggregate, aggregate
from paxmodel.scenario.errors import did_you_mean
from paxmodel.scenario.load import LoadedScenario
from paxmodel.scenario.references import Cuts, country_hint, item_sectors, resolve_shocks


def stocks(loaded: LoadedScenario) -> dict[str, float]:
    """Item -> stockpile, in the item's unit."""
    scenario = loaded.scenario
    return {i: scenario.sectors[s].items[i].stock for i, s in sorted(item_sectors(scenario).items())}


def months(stock: float, shortfall: float) -> float | None:
    """How long a stockpile covers a yearly shortfall: 12 * stock / u months (None if u = 0)."""
    return None if shortfall <= 0 else 12.0 * stock / shortfall


@dataclass(frozen=True)
class Cell:
    """One membership under one shock: the re-sourced optimum and the status quo, both cut.

    Per item (items with a requirement): the optimised dependency (MODEL.md 2.3, a unit short
    counts 1) and the shortfall u_i, both read from the engine's solution (values below
    `sourcing.NOISE` count as 0, as everywhere).
    """

    membership: str
    shock: str
    cuts: Cuts
    members: tuple[str, ...]
    objective: float
    network: Network = field(repr=False)  # the cut numbers
    item_dependency: dict[str, float] = field(repr=False)
    item_shortfall: dict[str, float] = field(repr=False)  # u_i, in the item's unit
    baseline: Outcome = field(repr=False)  # the status quo on the cut numbers
    stock: dict[str, float] = field(repr=False)

    @property
    def dependency(self) -> Aggregate:
        return aggregate(self.network, self.item_dependency)

    @property
    def item_shortfall_share(self) -> dict[str, float]:
        """u_i / T_i of every item with a requirement."""
        return {i: u / self.network.requirement[i] for i, u in self.item_shortfall.items()}

    @property
    def shortfall_share(self) -> Aggregate:
        return aggregate(self.network, self.item_shortfall_share)

    @property
    def baseline_shortfall_share(self) -> Aggregate:
        return aggregate(self.network, _shortfall_shares(self.network, self.baseline.items))

    def item_months(self) -> dict[str, float | None]:
        """Time to survive of every item with a requirement, under the optimised plan."""
        return {i: months(self.stock[i], u) for i, u in self.item_shortfall.items()}

    @property
    def time_to_survive(self) -> float | None:
        """The shortest time to survive over the items that run short (None: nothing runs short)."""
        times = [t for t in self.item_months().values() if t is not None]
        return min(times) if times else None

    @property
    def items_short(self) -> tuple[str, ...]:
        return tuple(i for i, u in self.item_shortfall.items() if u > 0)

    def to_dict(self) -> dict[str, Any]:
        """The cell of MODEL.md 5 `results` (plus cuts, members and baseline detail)."""
        net = self.network
        dependency, short = self.dependency, self.shortfall_share
        base_dependency, base_short = self.baseline.dependency, self.baseline_shortfall_share
        item_short = self.item_shortfall_share
        item_months = self.item_months()
        base_items = self.baseline.items
        sectors: dict[str, Any] = {}
        for s in net.sectors:
            if s in dependency.sectors:
                sectors[s] = {
                    "dependency": number(dependency.sectors[s]),
                    "shortfall_share": number(short.sectors[s]),
                    "baseline": {
                        "dependency": number(base_dependency.sectors[s]),
                        "shortfall_share": number(base_short.sectors[s]),
                    },
                }
            else:
                sectors[s] = {"dependency": None, "shortfall_share": None, "baseline": None}
        items: dict[str, Any] = {}
        for i in net.items:
            if i in item_short:
                items[i] = {
                    "dependency": number(self.item_dependency[i]),
                    "shortfall_share": number(item_short[i]),
                    "shortfall": number(self.item_shortfall[i]),
                    "stock": number(self.stock[i]),
                    "time_to_survive_months": _maybe(item_months[i]),
                    "baseline": {
                        "dependency": number(base_items[i].dependency),
                        "shortfall_share": number(base_items[i].shortfall / net.requirement[i]),
                    },
                }
            else:
                items[i] = {"dependency": None, "shortfall_share": None, "time_to_survive_months": None}
        return {
            "members": list(self.members),
            "cuts": [[c, i, number(cut)] for (c, i), cut in self.cuts.items()],
            "objective": number(self.objective),
            "dependency": number(dependency.overall),
            "shortfall_share": number(short.overall),
            "baseline": {"dependency": number(base_dependency.overall), "shortfall_share": number(base_short.overall)},
            "time_to_survive_months": _maybe(self.time_to_survive),
            "items_short": list(self.items_short),
            "sectors": sectors,
            "items": items,
        }


def _shortfall_shares(network: Network, items: Mapping[str, Any]) -> dict[str, float]:
    return {
        i: (m.shortfall / network.requirement[i] if m.shortfall > NOISE * network.requirement[i] else 0.0)
        for i, m in items.items()
    }


def _maybe(value: float | None) -> float | None:
    return None if value is None else number(value)


@dataclass(frozen=True)
class StressResult:
    """The stress matrix: memberships x shocks, with each membership's unshocked figures."""

    scenario: str
    solver: str
    memberships: tuple[str, ...]  # row order
    shocks: tuple[str, ...]  # column order
    cells: dict[tuple[str, str], Cell]  # (membership, shock) -> cell
    unshocked: dict[str, Cell]  # membership -> the cell without any cut
    worst: WorstCase | None = None  # with --worst
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with

    def cell(self, membership: str, shock: str) -> Cell:
        return self.cells[(membership, shock)]

    @property
    def worst_cell(self) -> Cell | None:
        """The cell with the largest shortfall share (ties: larger dependency, then first in order)."""
        best: Cell | None = None
        for cell in self.cells.values():
            if best is None or (cell.shortfall_share.overall, cell.dependency.overall) > (
                best.shortfall_share.overall,
                best.dependency.overall,
            ):
                best = cell
        return best

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of MODEL.md 5 (plus `unshocked` and the shocks' cuts)."""
        document: dict[str, Any] = {
            "scenario": self.scenario,
            "solver": self.solver,
            "memberships": {m: list(self.unshocked[m].members) for m in self.memberships},
            "shocks": list(self.shocks),
            "results": {m: {s: self.cells[(m, s)].to_dict() for s in self.shocks} for m in self.memberships},
            "unshocked": {
                m: {
                    "objective": number(cell.objective),
                    "dependency": number(cell.dependency.overall),
                    "shortfall_share": number(cell.shortfall_share.overall),
                }
                for m, cell in self.unshocked.items()
            },
        }
        if self.worst is not None:
            document["worst"] = self.worst.to_dict()
        if self.overrides:
            document["overrides"] = list(self.overrides)
        return document

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per cell, in matrix order (e.g. `pandas.DataFrame(records)`)."""
        rows = []
        for m in self.memberships:
            for s in self.shocks:
                cell = self.cells[(m, s)]
                rows.append(
                    {
                        "membership": m,
                        "shock": s,
                        "objective": cell.objective,
                        "dependency": cell.dependency.overall,
                        "shortfall_share": cell.shortfall_share.overall,
                        "baseline_dependency": cell.baseline.dependency.overall,
                        "baseline_shortfall_share": cell.baseline_shortfall_share.overall,
                        "time_to_survive_months": cell.time_to_survive,
                        "items_short": ",".join(cell.items_short),
                    }
                )
        return rows


WORST_SHOCK = "worst"  # the shock name of the worst cuts in `results`


@dataclass(frozen=True)
class WorstPoint:
    """The worst cuts for one limit k, and what the bloc is left with after re-sourcing."""

    k: int
    cuts: tuple[tuple[str, str], ...]  # sorted (country, item) pairs
    milp_objective: float
    milp_bound: float
    proven_optimal: bool
    milp_solves: int
    seconds: float
    cell: Cell = field(repr=False)  # the membership under these cuts (LP re-solved by the engine)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "cuts": [list(pair) for pair in self.cuts],
            "objective": number(self.cell.objective),
            "dependency": number(self.cell.dependency.overall),
            "shortfall_share": number(self.cell.shortfall_share.overall),
            "milp_objective": number(self.milp_objective),
            "milp_bound": number(self.milp_bound),
            "proven_optimal": self.proven_optimal,
        }


@dataclass(frozen=True)
class WorstCase:
    """`--worst K`: the K full cuts by the attackers that raise the bloc's optimum most."""

    membership: str
    members: tuple[str, ...]
    attackers: tuple[str, ...]
    candidates: int  # (country, item) pairs the attackers could cut
    size: MilpSize
    best: WorstPoint
    frontier: tuple[WorstPoint, ...]  # k = 0..K with --frontier, else empty

    @property
    def cuts(self) -> tuple[tuple[str, str], ...]:
        return self.best.cuts

    @property
    def proven_optimal(self) -> bool:
        return self.best.proven_optimal and all(p.proven_optimal for p in self.frontier)

    @property
    def seconds(self) -> float:
        """Time in the MILP (all limits of the frontier, tie-breaking included)."""
        return self.best.seconds + sum(p.seconds for p in self.frontier if p is not self.best)

    def to_dict(self) -> dict[str, Any]:
        """MODEL.md 5 `worst` (plus the MILP's size and time, and the frontier)."""
        return {
            "membership": self.membership,
            "members": list(self.members),
            "attackers": list(self.attackers),
            "k": self.best.k,
            "cuts": [list(pair) for pair in self.cuts],
            "objective": number(self.best.cell.objective),
            "dependency": number(self.best.cell.dependency.overall),
            "shortfall_share": number(self.best.cell.shortfall_share.overall),
            "proven_optimal": self.proven_optimal,
            "milp_objective": number(self.best.milp_objective),
            "milp_bound": number(self.best.milp_bound),
            "milp": {**self.size.to_dict(), "candidates": self.candidates, "solves": self.best.milp_solves},
            "frontier": [p.to_dict() for p in self.frontier],
        }


# The MILP's optimum and the LP objective of the cuts it chose (re-solved by the engine) must
# agree this well (relative to max(1, |objective|)); otherwise the solver returned a bad solution.
AGREEMENT_TOLERANCE = 1e-6


def resolve_attackers(loaded: LoadedScenario, attackers: Iterable[str] | None) -> tuple[str, ...]:
    """The attacker countries: the codes given (checked), or every country of concern."""
    countries = loaded.scenario.countries
    if attackers is None:
        codes = tuple(sorted(c for c, v in countries.items() if v.concern))
        if not codes:
            raise ValueError("the scenario has no country of concern to attack; name the attackers (--attackers)")
        return codes
    codes = tuple(sorted({code.strip() for code in attackers if code.strip()}))
    if not codes:
        raise ValueError("name at least one attacker country")
    for code in codes:
        if code not in countries:
            raise ValueError(f"unknown attacker country '{code}'{country_hint(code, countries)}")
    return codes


def worst_case(
    engine: StressEngine,
    name: str,
    members: tuple[str, ...],
    k: int,
    attackers: tuple[str, ...],
    frontier: bool = False,
) -> WorstCase:
    """The worst k cuts (and with `frontier` every limit 0..k), each checked against the LP."""
    from paxmodel.analyses.interdiction import InterdictionModel

    if k < 0:
        raise ValueError(f"--worst must be 0 or more, got {k}")
    model = InterdictionModel(engine.network, members, attackers)

    def point(limit: int) -> WorstPoint:
        found = model.solve(limit)
        cell = engine.cell(name, members, f"{WORST_SHOCK}:{limit}", dict.fromkeys(found.cuts, 1.0))
        if abs(cell.objective - found.objective) > AGREEMENT_TOLERANCE * max(1.0, abs(found.objective)):
            raise SolverError(
                f"the worst-case MILP ({found.objective:.12g}) and the LP under its cuts ({cell.objective:.12g}) "
                f"disagree for k={limit}"
            )
        return WorstPoint(
            k=limit,
            cuts=found.cuts,
            milp_objective=found.objective,
            milp_bound=found.bound,
            proven_optimal=found.proven_optimal,
            milp_solves=found.milp_solves,
            seconds=found.seconds,
            cell=replace(cell, shock=WORST_SHOCK),
        )

    points = tuple(point(limit) for limit in range(k + 1)) if frontier else ()
    best = points[-1] if points else point(k)
    return WorstCase(
        membership=name,
        members=members,
        attackers=attackers,
        candidates=len(model.pairs),
        size=model.size,
        best=replace(best, k=k),
        frontier=points,
    )


@dataclass(frozen=True)
class ShortItem:
    """An item the report's membership runs short of under one shock."""

    shock: str
    item: str
    share: float  # u_i / T_i after re-sourcing
    baseline_share: float  # the status quo's, under the same cuts
    stock: float
    months: float | None  # time to survive on the stock

    def to_dict(self) -> dict[str, Any]:
        return {
            "shock": self.shock,
            "item": self.item,
            "shortfall_share": number(self.share),
            "baseline_shortfall_share": number(self.baseline_share),
            "stock": number(self.stock),
            "time_to_survive_months": _maybe(self.months),
        }


@dataclass(frozen=True)
class ReportStress:
    """The stress section of the exposure report: the matrix in brief, and the report's
    membership in detail (the items it runs short of, and for how long stocks last)."""

    membership: str
    memberships: tuple[str, ...]
    shocks: tuple[str, ...]
    cuts: dict[str, Cuts]
    shortfall: dict[tuple[str, str], float]  # (membership, shock) -> overall shortfall share
    dependency: dict[tuple[str, str], float]
    time_to_survive: dict[tuple[str, str], float | None]
    items_short: tuple[ShortItem, ...]  # the report's membership, by shock then item

    @classmethod
    def of(cls, result: StressResult, membership: str) -> ReportStress:
        keys = [(m, s) for m in result.memberships for s in result.shocks]
        short = []
        for shock in result.shocks:
            cell = result.cell(membership, shock)
            months = cell.item_months()
            for item in cell.items_short:
                base = cell.baseline.items[item].shortfall / cell.network.requirement[item]
                short.append(
                    ShortItem(shock, item, cell.item_shortfall_share[item], base, cell.stock[item], months[item])
                )
        return cls(
            membership=membership,
            memberships=result.memberships,
            shocks=result.shocks,
            cuts={s: result.cell(membership, s).cuts for s in result.shocks},
            shortfall={k: result.cells[k].shortfall_share.overall for k in keys},
            dependency={k: result.cells[k].dependency.overall for k in keys},
            time_to_survive={k: result.cells[k].time_to_survive for k in keys},
            items_short=tuple(short),
        )

    def to_dict(self) -> dict[str, Any]:
        def matrix(values: Mapping[tuple[str, str], float | None]) -> dict[str, dict[str, float | None]]:
            return {m: {s: _maybe(values[(m, s)]) for s in self.shocks} for m in self.memberships}

        return {
            "membership": self.membership,
            "shocks": {s: [[c, i, number(cut)] for (c, i), cut in self.cuts[s].items()] for s in self.shocks},
            "shortfall_share": matrix(self.shortfall),
            "dependency": matrix(self.dependency),
            "time_to_survive_months": matrix(self.time_to_survive),
            "items_short": [row.to_dict() for row in self.items_short],
        }


def report_stress(loaded: LoadedScenario, membership: str, members: tuple[str, ...]) -> ReportStress | None:
    """The report's stress section: every membership of the file (or the report's ad-hoc set)
    under every shock; None when the scenario has no shocks."""
    if not loaded.scenario.shocks:
        return None
    if membership in loaded.memberships and loaded.memberships[membership] == members:
        result = stress(loaded)
    else:
        result = stress(loaded, members=members)
        membership = result.memberships[0]
    return ReportStress.of(result, membership)


# A solution of the LP without cuts that meets the cut LP's bounds and rows to within this
# (share space: fractions of an item's requirement) is taken as the cut LP's optimum as well.
FEASIBILITY_MARGIN = 1e-9


class StressEngine:
    """Evaluates (membership, cuts) configurations of one scenario on the one warm engine.

    A shock is a variant of the scenario's numbers (`Network.with_cuts`), named by the shock:
    the engine pushes the changed bounds into its HiGHS model and re-solves from the last basis.
    Per-item figures are read from the solution with array operations (no per-cell objects).
    """

    def __init__(self, loaded: LoadedScenario) -> None:
        from paxmodel.analyses.engine import FastSolver

        self.loaded = loaded
        self.solver = FastSolver(Runner(loaded), workers=1)
        self.network = self.solver.network
        self.stock = stocks(loaded)
        self.label = self.solver.label
        engine = self.solver.engine
        self.items = engine.structure.items
        position = {i: n for n, i in enumerate(self.items)}
        self._y_item = np.array([position[i] for i, _ in engine.structure.supply_keys], dtype=np.intp)
        self._requirement = np.array([self.network.requirement[i] for i in self.items], dtype=np.float64)
        self._variants: dict[str, Network] = {}  # shock name -> the cut numbers
        self._unshocked: dict[frozenset[str], tuple[Evaluation, Array]] = {}  # members -> optimum, values

    def _still_feasible(self, config: Configuration, values: Array) -> bool:
        """Whether `values` (a solution of the LP without cuts) satisfies every bound and row of
        the configuration's cut LP, to within `FEASIBILITY_MARGIN`."""
        engine = self.solver.engine
        target = engine.target(config.members, engine.variant_data(config))
        margin = FEASIBILITY_MARGIN
        if np.any(values > target.col_upper + margin):
            return False
        activity = np.zeros(len(target.row_upper))
        np.add.at(activity, engine.entry_row, target.a_value * values[engine.entry_col])
        return bool(np.all(activity <= target.row_upper + margin) and np.all(activity >= target.row_lower - margin))

    def cell(self, membership: str, members: Sequence[str], shock: str, cuts: Cuts) -> Cell:
        """One membership under one named set of cuts ("" with no cuts = as loaded)."""
        variant = None
        if cuts:
            variant = self._variants.get(shock)
            if variant is None:
                variant = self._variants[shock] = self.network.with_cuts(cuts)
        config = Configuration(frozenset(members), shock if cuts else "", variant)
        engine = self.solver.engine
        unshocked = self._unshocked.get(config.members)
        if unshocked is not None and cuts and self._still_feasible(config, unshocked[1]):
            # The cuts leave the optimum without them feasible: it is still optimal (the costs
            # are unchanged and the feasible set only shrank). No solve needed.
            evaluation, values = unshocked
        else:
            evaluation, values = engine.evaluate(config)
            if not cuts:
                self._unshocked[config.members] = (evaluation, values)
        self.solver.cache.setdefault(config.key, evaluation)
        d = engine.data  # risks are the same in every cut variant
        y = values[engine.y_index]
        y = np.where(y > NOISE, y, 0.0)
        v = values[engine.v_index]
        v = np.where(v > NOISE, v, 0.0)
        risk = np.where(engine.mask(config.members)[d.y_country], d.member_risk, d.risk[d.y_country])
        dependency = np.bincount(self._y_item, weights=risk * y, minlength=len(self.items)) + v
        return Cell(
            membership=membership,
            shock=shock,
            cuts=dict(cuts),
            members=tuple(sorted(config.members)),
            objective=evaluation.objective,
            network=variant or self.network,
            item_dependency=dict(zip(self.items, dependency.tolist(), strict=True)),
            item_shortfall=dict(zip(self.items, (v * self._requirement).tolist(), strict=True)),
            baseline=self.solver.baseline_of(config),
            stock=self.stock,
        )


def resolve_shock_names(loaded: LoadedScenario, names: Iterable[str] | None) -> dict[str, Cuts]:
    """The shocks asked for (default: every shock of the file), in the order given."""
    shocks = resolve_shocks(loaded.scenario)
    if names is None:
        return shocks
    chosen: dict[str, Cuts] = {}
    for name in names:
        if name not in shocks:
            known = f"the scenario defines: {', '.join(shocks)}" if shocks else "the scenario defines no shocks"
            raise ValueError(f"unknown shock '{name}'{did_you_mean(name, shocks)}; {known}")
        chosen[name] = shocks[name]
    return chosen


def resolve_membership_list(
    loaded: LoadedScenario, memberships: Iterable[str] | None, members: Iterable[str] | None
) -> dict[str, tuple[str, ...]]:
    """Name -> members: the ones asked for, an ad-hoc set, or every membership of the file."""
    if members is not None:
        if memberships:
            raise ValueError("give memberships or a list of members, not both")
        name, codes = resolve_members(loaded, members=members)
        return {name: codes}
    if memberships:
        return dict(resolve_members(loaded, membership=name) for name in dict.fromkeys(memberships))
    if loaded.memberships:
        return dict(loaded.memberships)
    return {EMPTY_MEMBERSHIP: ()}


def stress(
    loaded: LoadedScenario,
    memberships: Iterable[str] | None = None,
    shocks: Iterable[str] | None = None,
    members: Iterable[str] | None = None,
    worst: int | None = None,
    attackers: Iterable[str] | None = None,
    frontier: bool = False,
) -> StressResult:
    """The stress matrix of `loaded` (MODEL.md 5).

    `memberships` (default: every one of the file) or an ad-hoc `members` set, under `shocks`
    (default: every shock of the file). With `worst=K`: the K full cuts by `attackers`
    (default: every concern country) that hurt the (single) membership most, proven optimal by
    one MILP (see `paxmodel.analyses.interdiction`); the matrix then holds that membership under
    those cuts as the shock "worst" (and under the shocks named with `shocks`, if any).
    """
    chosen = resolve_membership_list(loaded, memberships, members)
    shock_cuts = resolve_shock_names(loaded, shocks if (shocks is not None or worst is None) else ())
    if worst is None and not shock_cuts:
        raise ValueError("the scenario defines no shocks: add a `shocks:` section or use --worst K")
    engine = StressEngine(loaded)
    unshocked: dict[str, Cell] = {}
    for name, codes in chosen.items():  # first: a shock that does not bind reuses these optima
        unshocked[name] = engine.cell(name, codes, "", {})
    worst_found = None
    if worst is not None:
        if len(chosen) != 1:
            raise ValueError("--worst analyses one membership; give one --membership or --members")
        ((name, codes),) = chosen.items()
        worst_found = worst_case(engine, name, codes, worst, resolve_attackers(loaded, attackers), frontier)
    elif attackers is not None or frontier:
        raise ValueError("--attackers and --frontier go with --worst K")
    cells: dict[tuple[str, str], Cell] = {}
    for name, codes in chosen.items():  # one membership at a time: neighbours differ by a few bounds
        for shock, cuts in shock_cuts.items():
            cells[(name, shock)] = engine.cell(name, codes, shock, cuts)
    if worst_found is not None:
        cells[(worst_found.membership, WORST_SHOCK)] = worst_found.best.cell
        shock_cuts[WORST_SHOCK] = dict.fromkeys(worst_found.cuts, 1.0)
    return StressResult(
        scenario=loaded.name,
        solver=engine.label,
        memberships=tuple(chosen),
        shocks=tuple(shock_cuts),
        cells=cells,
        unshocked=unshocked,
        worst=worst_found,
        overrides=loaded.overrides,
    )


__all__ = ["Cell", "StressResult", "WorstCase", "stress"]
