"""Several membership configurations of one scenario side by side, ranked.

`compare(loaded)` solves every named membership of the scenario (or the ones asked for) and
ranks them by optimised overall dependency, lowest first (ties by name). Each configuration
also says how its members differ from the first configuration listed (the reference).

Shortfall is summarised by the *weighted shortfall share*

    shortfall = sum_i k_i * u_i / T_i

the part of the bloc's total requirement that goes unmet, weighted as the overall dependency
is (0 = every requirement met, 1 = nothing sourced at all). It is the shortfall term of the
overall dependency of MODEL.md 2.3 (where a unit of shortfall counts 1), so `optimised -
shortfall` is the risk-weighted part of the dependency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from paxmodel.model.run import EMPTY_MEMBERSHIP, Runner, RunResult, number, resolve_members
from paxmodel.model.solvers import SolverName, solver_label
from paxmodel.model.sourcing import shortfall_share
from paxmodel.scenario.load import LoadedScenario


@dataclass(frozen=True)
class SectorFigures:
    baseline: float
    optimised: float
    removed: float


@dataclass(frozen=True)
class Configuration:
    """One solved membership in a comparison."""

    rank: int  # 1 = lowest optimised dependency
    name: str
    members: tuple[str, ...]
    added: tuple[str, ...]  # members that the reference configuration does not have
    dropped: tuple[str, ...]  # members of the reference configuration that this one lacks
    baseline: float  # overall baseline dependency (the same for every configuration)
    optimised: float  # overall optimised dependency
    removed: float  # baseline - optimised
    sectors: dict[str, SectorFigures]  # active sectors only (sectors with requirement)
    shortfall: float  # weighted shortfall share of the optimum (module docstring)
    items_short: int  # items with any shortfall in the optimum
    concern_share: float  # overall share sourced from countries of concern, optimised
    objective: float
    result: RunResult = field(repr=False, compare=False)

    @property
    def member_count(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "name": self.name,
            "members": list(self.members),
            "member_count": self.member_count,
            "difference": {"added": list(self.added), "dropped": list(self.dropped)},
            "baseline": number(self.baseline),
            "optimised": number(self.optimised),
            "removed": number(self.removed),
            "sectors": {
                s: {"baseline": number(f.baseline), "optimised": number(f.optimised), "removed": number(f.removed)}
                for s, f in sorted(self.sectors.items())
            },
            "shortfall": number(self.shortfall),
            "items_short": self.items_short,
            "concern_share": number(self.concern_share),
            "objective": number(self.objective),
        }


@dataclass(frozen=True)
class Comparison:
    """Configurations in rank order, with the baseline they are all measured against."""

    scenario: str
    solver: str
    reference: str  # name of the first configuration listed: what `added` / `dropped` compare with
    baseline: float  # overall baseline dependency
    baseline_sectors: dict[str, float]
    baseline_shortfall: float  # weighted shortfall share of the baseline
    configurations: tuple[Configuration, ...]  # rank order
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "solver": self.solver,
            "reference": self.reference,
            "baseline": number(self.baseline),
            "baseline_sectors": {s: number(v) for s, v in sorted(self.baseline_sectors.items())},
            "baseline_shortfall": number(self.baseline_shortfall),
            "configurations": [c.to_dict() for c in self.configurations],
        } | ({"overrides": list(self.overrides)} if self.overrides else {})

    def to_frame(self) -> Any:
        """`records()` as a pandas DataFrame indexed by configuration name (the `frames` extra)."""
        from paxmodel.outputs.frames import records_frame

        return records_frame(self.records(), index="name")

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per configuration, in rank order (e.g. `pandas.DataFrame(records)`)."""
        rows = []
        for c in self.configurations:
            row: dict[str, Any] = {
                "rank": c.rank,
                "name": c.name,
                "member_count": c.member_count,
                "members": ",".join(c.members),
                "added": ",".join(c.added),
                "dropped": ",".join(c.dropped),
                "baseline": c.baseline,
                "optimised": c.optimised,
                "removed": c.removed,
                "shortfall": c.shortfall,
                "items_short": c.items_short,
                "concern_share": c.concern_share,
            }
            for s, f in sorted(c.sectors.items()):
                row[f"removed_{s}"] = f.removed
            rows.append(row)
        return rows


def compare(
    loaded: LoadedScenario,
    memberships: Iterable[str] | None = None,
    solver: SolverName = "highs",
    runner: Runner | None = None,
) -> Comparison:
    """Solve and rank the named memberships (all of the file's when None; repeats are ignored).

    The name "none" stands for the empty membership (the no-member optimum) unless the file
    defines a membership of that name; a scenario without memberships is compared as "none".
    Raises `MembershipError` for an unknown name.
    """
    if memberships is None:
        names = list(loaded.memberships) or [EMPTY_MEMBERSHIP]
    else:
        names = list(dict.fromkeys(memberships))
        if not names:
            raise ValueError("give at least one membership to compare")
    configs = [
        (name, ()) if name == EMPTY_MEMBERSHIP and name not in loaded.memberships else resolve_members(loaded, name)
        for name in names
    ]
    runner = runner or Runner(loaded)
    network = runner.network
    if solver == "highs":
        from paxmodel.analyses.engine import FastSolver

        fast = FastSolver(runner)
        results = [fast.result(name, members) for name, members in configs]
    else:
        results = [runner.run(name, members, solver) for name, members in configs]

    reference = set(configs[0][1])
    base = runner.baseline
    unranked = []
    for result in results:
        opt = result.optimised
        shortfall, items_short = shortfall_share(network, opt.items)
        unranked.append(
            Configuration(
                rank=0,
                name=result.membership,
                members=result.members,
                added=tuple(sorted(set(result.members) - reference)),
                dropped=tuple(sorted(reference - set(result.members))),
                baseline=base.dependency.overall,
                optimised=opt.dependency.overall,
                removed=result.removed,
                sectors={
                    s: SectorFigures(
                        baseline=base.dependency.sectors[s],
                        optimised=opt.dependency.sectors[s],
                        removed=base.dependency.sectors[s] - opt.dependency.sectors[s],
                    )
                    for s in network.active_sectors
                },
                shortfall=shortfall,
                items_short=items_short,
                concern_share=opt.concern_share.overall,
                objective=result.objective,
                result=result,
            )
        )
    ordered = sorted(unranked, key=lambda c: (number(c.optimised), c.name))
    ranked = tuple(replace(c, rank=n) for n, c in enumerate(ordered, start=1))
    baseline_shortfall, _ = shortfall_share(network, base.items)
    return Comparison(
        scenario=loaded.name,
        solver=solver_label(solver),
        reference=configs[0][0],
        baseline=base.dependency.overall,
        baseline_sectors=dict(base.dependency.sectors),
        baseline_shortfall=baseline_shortfall,
        configurations=ranked,
        overrides=loaded.overrides,
    )
