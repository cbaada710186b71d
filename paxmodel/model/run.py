"""Solve one membership configuration and collect its metrics against the baseline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from paxmodel.model.diagnostics import Diagnostics
from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.solvers import SolverName, solver_label
from paxmodel.model.sourcing import Aggregate, ItemMetrics, Sourcing, aggregate, baseline_sourcing, item_metrics
from paxmodel.scenario.errors import MembershipError, did_you_mean, shown
from paxmodel.scenario.load import LoadedScenario
from paxmodel.scenario.references import country_hint

CUSTOM_MEMBERSHIP = "custom"
EMPTY_MEMBERSHIP = "none"


@dataclass(frozen=True)
class Outcome:
    """Sourcing of one side (baseline or optimised) with its item and aggregate metrics."""

    sourcing: Sourcing
    items: dict[str, ItemMetrics]
    dependency: Aggregate
    concern_share: Aggregate

    @classmethod
    def measure(cls, network: Network, sourcing: Sourcing, risk: dict[str, float]) -> Outcome:
        items = item_metrics(network, sourcing, risk)
        return cls(
            sourcing=sourcing,
            items=items,
            dependency=aggregate(network, {i: m.dependency for i, m in items.items()}),
            concern_share=aggregate(network, {i: m.concern_share for i, m in items.items()}),
        )


def baseline_outcome(network: Network) -> Outcome:
    """The status quo: market-share sourcing at every country's own risk."""
    return Outcome.measure(network, baseline_sourcing(network), network.risk)


@dataclass(frozen=True)
class RunResult:
    """One configuration solved: what `paxmodel run` prints and `to_dict()` serialises."""

    scenario: str
    membership: str
    members: tuple[str, ...]
    solver: str
    status: str
    objective: float
    network: Network = field(repr=False)
    baseline: Outcome = field(repr=False)
    optimised: Outcome = field(repr=False)
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with
    diagnostics: Diagnostics | None = field(default=None, repr=False)  # from the LP duals (PuLP solves)

    @property
    def removed(self) -> float:
        return self.baseline.dependency.overall - self.optimised.dependency.overall

    def sector_removed(self) -> dict[str, float]:
        base, opt = self.baseline.dependency.sectors, self.optimised.dependency.sectors
        return {s: base[s] - opt[s] for s in base}

    def item_removed(self) -> dict[str, float]:
        base, opt = self.baseline.items, self.optimised.items
        return {i: base[i].dependency - opt[i].dependency for i in base}

    def to_frame(self) -> Any:
        """One row per item, as a pandas DataFrame (needs the `frames` extra: pandas)."""
        from paxmodel.outputs.frames import run_frame

        return run_frame(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of MODEL.md section 3 (plain floats, sorted keys)."""
        net = self.network
        base, opt = self.baseline, self.optimised
        sectors: dict[str, Any] = {}
        for s in net.sectors:
            if s in base.dependency.sectors:
                sectors[s] = {
                    "baseline": number(base.dependency.sectors[s]),
                    "optimised": number(opt.dependency.sectors[s]),
                    "removed": number(base.dependency.sectors[s] - opt.dependency.sectors[s]),
                    "concern_share_baseline": number(base.concern_share.sectors[s]),
                    "concern_share_optimised": number(opt.concern_share.sectors[s]),
                }
            else:
                sectors[s] = {"baseline": None, "optimised": None, "removed": None}
        items: dict[str, Any] = {}
        for i in net.items:
            entry: dict[str, Any] = {"sector": net.sector_of[i], "requirement": number(net.requirement[i])}
            if i in base.items:
                b, o = base.items[i], opt.items[i]
                entry |= {
                    "baseline": number(b.dependency),
                    "optimised": number(o.dependency),
                    "removed": number(b.dependency - o.dependency),
                    "shortfall": number(o.shortfall),
                    "shortfall_baseline": number(b.shortfall),
                    "concern_share_baseline": number(b.concern_share),
                    "concern_share_optimised": number(o.concern_share),
                    "hhi_baseline": number(b.hhi),
                    "hhi_optimised": number(o.hhi),
                }
            else:
                entry |= dict.fromkeys(
                    ("baseline", "optimised", "removed", "shortfall", "hhi_baseline", "hhi_optimised")
                )
            entry["sourcing"] = {c: number(x) for c, x in sorted(opt.sourcing.sourced[i].items())}
            entry["expansion"] = {c: number(x) for c, x in sorted(opt.sourcing.expansion[i].items())}
            if self.diagnostics is not None:
                entry["binding"] = self.diagnostics.binding.get(i)
            items[i] = entry
        document = {
            "scenario": self.scenario,
            "membership": self.membership,
            "members": list(self.members),
            "solver": self.solver,
            "status": self.status,
            "objective": number(self.objective),
            "overall": {
                "baseline": number(base.dependency.overall),
                "optimised": number(opt.dependency.overall),
                "removed": number(self.removed),
                "concern_share_baseline": number(base.concern_share.overall),
                "concern_share_optimised": number(opt.concern_share.overall),
            },
            "sectors": sectors,
            "items": items,
        }
        if self.diagnostics is not None:
            document["diagnostics"] = self.diagnostics.to_dict()
        return document | ({"overrides": list(self.overrides)} if self.overrides else {})


def number(value: float) -> float:
    """A plain float with 12 significant digits: stable bytes, far below any tolerance of interest."""
    cleaned = float(f"{value:.12g}")
    return 0.0 if cleaned == 0 else cleaned


def resolve_members(
    loaded: LoadedScenario, membership: str | None = None, members: Iterable[str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """(name, sorted members) for a named membership, an ad-hoc list, or the file's first one."""
    if membership is not None and members is not None:
        raise MembershipError("give a membership name or a list of members, not both")
    if members is not None:
        countries = loaded.scenario.countries
        upper = {code.upper(): code for code in countries}
        given = {code.strip() for code in members if code.strip()}
        # codes are upper-case; `us` is accepted for US unless the file has a country `us`
        codes = tuple(sorted({code if code in countries else upper.get(code.upper(), code) for code in given}))
        check_member_codes(loaded, codes)
        return CUSTOM_MEMBERSHIP, codes
    if membership is not None:
        if membership == EMPTY_MEMBERSHIP and membership not in loaded.memberships:
            return EMPTY_MEMBERSHIP, ()  # as in compare: "none" is the empty membership
        if membership not in loaded.memberships:
            known = (
                f"the scenario defines: {', '.join(shown(n) for n in list(loaded.memberships)[:20])}"
                + (f", ... ({len(loaded.memberships)} in all)" if len(loaded.memberships) > 20 else "")
                if loaded.memberships
                else ("the scenario defines no memberships")
            )
            raise MembershipError(
                f"unknown membership '{shown(membership)}'{did_you_mean(membership, loaded.memberships)}; {known}"
            )
        return membership, loaded.memberships[membership]
    if loaded.memberships:
        name = next(iter(loaded.memberships))
        return name, loaded.memberships[name]
    return EMPTY_MEMBERSHIP, ()


def resolve_candidates(
    loaded: LoadedScenario, base_name: str, base_members: tuple[str, ...], candidates: Iterable[str] | None
) -> tuple[str, ...]:
    """Sorted candidates for joining `base_members`: the explicit list (checked: known, not of
    concern, not already members) or, when None, the scenario's default for this base."""
    if candidates is None:
        return loaded.default_candidates(base_members)
    codes = tuple(sorted({code.strip() for code in candidates if code.strip()}))
    check_member_codes(loaded, codes)
    already = [code for code in codes if code in base_members]
    if already:
        raise MembershipError(
            f"{', '.join(repr(c) for c in already)} already {'is a member' if len(already) == 1 else 'are members'} "
            f"of '{base_name}'; already members cannot be candidates"
        )
    return codes


def check_member_codes(loaded: LoadedScenario, codes: Iterable[str]) -> None:
    countries = loaded.scenario.countries
    for code in codes:
        if code not in countries:
            raise MembershipError(f"unknown country '{shown(code)}'{country_hint(code, countries)}")
        if countries[code].concern:
            raise MembershipError(f"'{code}' is a country of concern and can never be a member")


class Runner:
    """A scenario's network, baseline and LP, kept together so many solves share one build."""

    def __init__(self, loaded: LoadedScenario, network: Network | None = None) -> None:
        self.loaded = loaded
        self.network = network if network is not None else Network.from_scenario(loaded)
        self.baseline = baseline_outcome(self.network)
        self._model: SourcingModel | None = None

    @classmethod
    def of_network(cls, loaded: LoadedScenario, network: Network) -> Runner:
        """A runner for a variant of `loaded`'s numbers (cut capacities, sampled values)."""
        return cls(loaded, network)

    @property
    def model(self) -> SourcingModel:
        if self._model is None:
            self._model = SourcingModel(self.network)
        return self._model

    def run(self, name: str, members: tuple[str, ...], solver: SolverName = "highs") -> RunResult:
        solution = self.model.solve(frozenset(members), solver)
        network = self.network
        return RunResult(
            scenario=self.loaded.name,
            membership=name,
            members=tuple(sorted(members)),
            solver=solver_label(solver),
            status=solution.status,
            objective=solution.objective,
            network=network,
            baseline=self.baseline,
            optimised=Outcome.measure(network, solution.sourcing, network.risk_under(frozenset(members))),
            overrides=self.loaded.overrides,
            diagnostics=solution.diagnostics,
        )


def solve(
    loaded: LoadedScenario,
    membership: str | None = None,
    members: Iterable[str] | None = None,
    solver: SolverName = "highs",
) -> RunResult:
    """Solve one configuration of `loaded`: a named membership, an ad-hoc set, or the default.

    HiGHS solves on the engine's LP arrays (built from the network in linear time, passed to
    HiGHS without PuLP), as compare and `paxmodel serve` do, so they all report the same optimum
    to the last byte (an LP can have several optimal sourcing plans); any other solver goes
    through the PuLP model.
    """
    name, codes = resolve_members(loaded, membership, members)
    runner = Runner(loaded)
    if solver == "highs":
        from paxmodel.analyses.engine import FastSolver

        return FastSolver(runner, workers=1).result(name, codes)
    return runner.run(name, codes, solver)
