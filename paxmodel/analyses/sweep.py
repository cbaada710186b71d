"""Monte Carlo sweeps over the uncertain numbers of a scenario (MODEL.md 6).

Sample n of a sweep with seed S draws every uncertain number from `default_rng([S, n])`
(`paxmodel.model.uncertainty`); the sample is a variant of the scenario's `Network`, and every
(membership, sample) pair is one `Configuration` of the warm engine, so a sample only changes
numbers of the built LP (costs, bounds, right-hand sides, matrix coefficients). The engine
solves them in fixed chunks, each from a cold start, here and on an `Executor` (local worker
processes, or a Dask cluster): the result depends on the file, N and S alone.

Per membership the sweep reports the distribution of the removed and the optimised
dependency (overall and per sector), how often it ranks first, and how often it beats each
other membership. `drivers` says which uncertain numbers drive the removal of the first
membership: Sobol' total indices (SALib, a Saltelli design of about N evaluations) or, for
many inputs, Morris' mu* (elementary effects).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from paxmodel.analyses.engine import Configuration, Executor, FastSolver, LocalProcesses, Progress
from paxmodel.model.arrays import LpStructure
from paxmodel.model.network import Network
from paxmodel.model.run import Runner, check_member_codes, number, resolve_members
from paxmodel.model.uncertainty import UncertainInput, draw, uncertain_inputs, variant
from paxmodel.scenario.load import LoadedScenario

if TYPE_CHECKING:
    import pandas

Array = np.ndarray[Any, np.dtype[np.float64]]

TIE = 1e-9  # optimised dependencies closer than this are tied (beats, rank_first)
PERCENTILES = (5, 50, 95)
SOBOL_MAX_INPUTS = 12  # above this many uncertain inputs, Morris screening instead of Sobol'
MIN_SOBOL_BASE = 16  # the smallest Saltelli base sample (a power of two)
MORRIS_LEVELS = 4


def share(value: float) -> float:
    """A dependency-scale number (0..1) for JSON: rounded to 1e-12, so float noise such as
    -3e-18 (a baseline minus an equal optimum) reads 0."""
    return number(round(value, 12))


@dataclass(frozen=True)
class Stats:
    """Mean, sample standard deviation (n - 1) and 5th/50th/95th percentiles (numpy linear)."""

    mean: float
    sd: float
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, values: Array) -> Stats:
        p5, p50, p95 = np.percentile(values, PERCENTILES).tolist()
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        return cls(float(np.mean(values)), sd, p5, p50, p95)

    def to_dict(self) -> dict[str, float]:
        return {
            "mean": share(self.mean),
            "sd": share(self.sd),
            "p5": share(self.p5),
            "p50": share(self.p50),
            "p95": share(self.p95),
        }


@dataclass(frozen=True)
class Driver:
    """How much one uncertain input drives the removal (`method`: sobol-total or morris-mu-star)."""

    input: str
    index: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "index": share(self.index), "method": self.method}


@dataclass(frozen=True)
class InviteShare:
    """One invite set and the share of samples in which it was the best choice."""

    chosen: tuple[str, ...]
    share: float


@dataclass(frozen=True)
class SweepResult:
    """The samples of a sweep and the statistics MODEL.md 6 reports of them.

    Arrays have one entry per sample, in sample order.
    """

    scenario: str
    samples: int
    seed: int
    inputs: tuple[UncertainInput, ...]
    values: Array  # (samples, inputs): the drawn numbers
    members: dict[str, tuple[str, ...]]  # membership name -> members, in the order asked
    sectors: tuple[str, ...]  # sectors with a requirement
    baseline: Array
    baseline_sectors: dict[str, Array]
    optimised: dict[str, Array]
    optimised_sectors: dict[str, dict[str, Array]]
    drivers: tuple[Driver, ...] = ()
    drivers_membership: str | None = None
    invite_base: str | None = None
    invite_k: int | None = None
    invites: tuple[InviteShare, ...] = field(default=())
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with

    @property
    def uncertain(self) -> tuple[str, ...]:
        return tuple(u.path for u in self.inputs)

    def removed(self, name: str) -> Array:
        return self.baseline - self.optimised[name]

    def sector_removed(self, name: str, sector: str) -> Array:
        return self.baseline_sectors[sector] - self.optimised_sectors[name][sector]

    def rank_first(self) -> dict[str, float]:
        """Share of samples in which each membership has the lowest optimised dependency (ties split)."""
        names = list(self.members)
        table = np.array([self.optimised[m] for m in names])  # (memberships, samples)
        tied = table <= table.min(axis=0) + TIE
        credit = tied / tied.sum(axis=0)
        return {m: float(np.mean(credit[n])) for n, m in enumerate(names)}

    def beats(self) -> dict[str, dict[str, float]]:
        """beats[a][b]: share of samples in which a's optimised dependency is below b's by more than 1e-9."""
        return {
            a: {b: float(np.mean(self.optimised[b] - self.optimised[a] > TIE)) for b in self.members if b != a}
            for a in self.members
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `paxmodel sweep --json` (MODEL.md 6)."""
        memberships: dict[str, Any] = {}
        for name, members in self.members.items():
            memberships[name] = {
                "members": list(members),
                "removed": Stats.of(self.removed(name)).to_dict(),
                "optimised": Stats.of(self.optimised[name]).to_dict(),
                "sectors": {
                    s: {
                        "removed": Stats.of(self.sector_removed(name, s)).to_dict(),
                        "optimised": Stats.of(self.optimised_sectors[name][s]).to_dict(),
                    }
                    for s in self.sectors
                },
            }
        document: dict[str, Any] = {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "uncertain": list(self.uncertain),
            "baseline": Stats.of(self.baseline).to_dict(),
            "memberships": memberships,
            "rank_first": {m: share(v) for m, v in self.rank_first().items()},
            "beats": {a: {b: share(v) for b, v in row.items()} for a, row in self.beats().items()},
            "drivers_membership": self.drivers_membership,
            "drivers": [d.to_dict() for d in self.drivers],
        }
        if self.invite_base is not None:
            document["invite"] = {
                "base": self.invite_base,
                "max_new": self.invite_k,
                "sets": [{"invite": list(s.chosen), "share": share(s.share)} for s in self.invites],
            }
        if self.overrides:
            document["overrides"] = list(self.overrides)
        return document

    def records(self) -> list[dict[str, Any]]:
        """One flat row per (sample, membership): the drawn numbers and the results."""
        rows = []
        for n in range(self.samples):
            drawn = {u.path: float(self.values[n, k]) for k, u in enumerate(self.inputs)}
            for name in self.members:
                rows.append(
                    {
                        "sample": n,
                        "membership": name,
                        "baseline": float(self.baseline[n]),
                        "optimised": float(self.optimised[name][n]),
                        "removed": float(self.baseline[n] - self.optimised[name][n]),
                        **drawn,
                    }
                )
        return rows

    def to_frame(self) -> pandas.DataFrame:
        """`records()` as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError('to_frame() needs pandas: pip install "paxmodel[frames]"') from exc
        return pandas.DataFrame.from_records(self.records())


@dataclass(frozen=True)
class Versus:
    """One row of the report's probability table."""

    other: str
    wins: float  # share of samples in which the report's membership beats `other`
    losses: float  # ... in which `other` beats it


@dataclass(frozen=True)
class ReportUncertainty:
    """What the exposure report shows of a sweep, for its membership (the sweep's first)."""

    samples: int
    seed: int
    uncertain: tuple[str, ...]
    membership: str
    overall: dict[str, Stats]  # "baseline", "optimised", "removed"
    sectors: dict[str, dict[str, Stats]]  # sector -> the same three
    rank_first: float
    versus: tuple[Versus, ...]  # against every other membership swept, in file order
    drivers: tuple[Driver, ...]

    @classmethod
    def of(cls, result: SweepResult) -> ReportUncertainty:
        name = next(iter(result.members))
        beats = result.beats()
        return cls(
            samples=result.samples,
            seed=result.seed,
            uncertain=result.uncertain,
            membership=name,
            overall={
                "baseline": Stats.of(result.baseline),
                "optimised": Stats.of(result.optimised[name]),
                "removed": Stats.of(result.removed(name)),
            },
            sectors={
                s: {
                    "baseline": Stats.of(result.baseline_sectors[s]),
                    "optimised": Stats.of(result.optimised_sectors[name][s]),
                    "removed": Stats.of(result.sector_removed(name, s)),
                }
                for s in result.sectors
            },
            rank_first=result.rank_first()[name],
            versus=tuple(
                Versus(other, beats[name][other], beats[other][name]) for other in result.members if other != name
            ),
            drivers=result.drivers,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "uncertain": list(self.uncertain),
            "overall": {k: v.to_dict() for k, v in self.overall.items()},
            "sectors": {s: {k: v.to_dict() for k, v in row.items()} for s, row in self.sectors.items()},
            "rank_first": share(self.rank_first),
            "beats": {v.other: share(v.wins) for v in self.versus},
            "beaten_by": {v.other: share(v.losses) for v in self.versus},
            "drivers": [d.to_dict() for d in self.drivers],
        }


def sample_structure(network: Network, inputs: Sequence[UncertainInput]) -> LpStructure:
    """The LP's columns and rows for every sample: a supply or an expansion whose point value is 0
    may be positive in a sample, so its column is there from the start.

    An item that needs nothing at the point values (T = 0) has no place in the LP; if a range
    could give it a requirement, that is an error rather than a silently ignored item.
    """
    for u in inputs:
        field, *keys = u.target
        if field == "demand" and network.requirement[keys[0]] <= 0:
            raise ValueError(
                f"{u.path}: the item '{keys[0]}' needs nothing at the point values, so a sweep cannot give it a "
                "requirement; make the point value (mode, middle or mean) above 0"
            )
    return LpStructure.of(
        network,
        extra_supply=[(u.target[1], u.target[2]) for u in inputs if u.target[0] == "available"],
        extra_expansion=[(u.target[1], u.target[2]) for u in inputs if u.target[0] == "expansion_capacity"],
    )


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Local worker processes (default: both cores), or the Dask cluster at `scheduler`."""
    if scheduler is not None:
        from paxmodel.analyses.dask import DaskCluster

        return DaskCluster(scheduler)
    return LocalProcesses(workers)


def sweep(
    loaded: LoadedScenario,
    memberships: Sequence[str] | None = None,
    samples: int = 1000,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    invite: int | None = None,
    sensitivity: bool = True,
    progress: Progress | None = None,
    executor: Executor | None = None,
    members: Mapping[str, Sequence[str]] | None = None,
) -> SweepResult:
    """Run `samples` samples of every membership (default: all in the file) through the engine.

    `workers` local processes (default: both cores) or the Dask cluster at `scheduler` solve
    the chunks; the result is the same either way. With `invite` K, also the best set of at
    most K candidates to add to the first membership, per sample. `members` names member sets
    directly (an ad-hoc membership, say) instead of `memberships`. ValueError when the
    scenario has no distributions or the sample count is below 2.
    """
    if samples < 2:
        raise ValueError(f"--samples must be at least 2, got {samples}")
    if seed < 0:
        raise ValueError(f"--seed must be 0 or more, got {seed}")
    inputs = uncertain_inputs(loaded)
    if not inputs:
        raise ValueError(
            f"{loaded.name}: no number is given as a distribution, so every sample would be the same; "
            "see docs/uncertainty.md"
        )
    if members is not None:
        for codes in members.values():
            check_member_codes(loaded, codes)
        chosen = {name: tuple(sorted(set(codes))) for name, codes in members.items()}
    else:
        chosen = {}
        names: list[str | None] = [*dict.fromkeys(memberships or loaded.memberships)] or [None]
        for name in names:
            resolved, codes = resolve_members(loaded, membership=name)
            chosen[resolved] = codes
    if invite is not None and invite < 0:
        raise ValueError(f"--invite must be 0 or more, got {invite}")
    runner = Runner(loaded)
    network = runner.network
    solver = FastSolver(
        runner, structure=sample_structure(network, inputs), executor=executor or make_executor(workers, scheduler)
    )

    values = np.array([draw(inputs, seed, n) for n in range(samples)], dtype=np.float64)
    variants = [variant(network, inputs, row) for row in values.tolist()]
    configs = [
        Configuration(frozenset(codes), f"sample{n}", net)
        for n, net in enumerate(variants)
        for codes in chosen.values()
    ]
    design = _design(inputs, samples, seed) if sensitivity else None
    design_configs: list[Configuration] = []
    first = next(iter(chosen.values()))
    if design is not None:
        design_configs = [
            Configuration(frozenset(first), f"{design.method}{n}", variant(network, inputs, row))
            for n, row in enumerate(design.values.tolist())
        ]
    try:
        evaluations = solver.evaluate_many([*configs, *design_configs], progress)
    finally:
        close = getattr(solver.executor, "close", None)
        if executor is None and close is not None:  # a Dask client this call opened
            close()

    sectors = network.active_sectors
    count = len(chosen)
    baselines = [solver.baseline_of(configs[n * count]) for n in range(samples)]
    baseline = np.array([b.dependency.overall for b in baselines])
    baseline_sectors = {s: np.array([b.dependency.sectors[s] for b in baselines]) for s in sectors}
    optimised: dict[str, Array] = {}
    optimised_sectors: dict[str, dict[str, Array]] = {}
    for k, name in enumerate(chosen):
        mine = evaluations[k : samples * count : count]
        optimised[name] = np.array([e.dependency for e in mine])
        optimised_sectors[name] = {s: np.array([e.sectors[n] for e in mine]) for n, s in enumerate(sectors)}

    drivers: tuple[Driver, ...] = ()
    if design is not None:
        removal = np.array(
            [
                solver.baseline_of(c).dependency.overall - e.dependency
                for c, e in zip(design_configs, evaluations[samples * count :], strict=True)
            ]
        )
        drivers = design.analyse(removal)

    invite_base: str | None = None
    invites: tuple[InviteShare, ...] = ()
    if invite is not None:
        invite_base = next(iter(chosen))
        invites = _invite_shares(loaded, invite_base, invite, variants)
    return SweepResult(
        scenario=loaded.name,
        samples=samples,
        seed=seed,
        inputs=inputs,
        values=values,
        members=chosen,
        sectors=sectors,
        baseline=baseline,
        baseline_sectors=baseline_sectors,
        optimised=optimised,
        optimised_sectors=optimised_sectors,
        drivers=drivers,
        drivers_membership=next(iter(chosen)) if design is not None else None,
        invite_base=invite_base,
        invite_k=invite,
        invites=invites,
        overrides=loaded.overrides,
    )


@dataclass(frozen=True)
class _Design:
    """A sensitivity design: the input values to evaluate and how to turn removals into drivers."""

    method: str
    values: Array  # (evaluations, inputs)
    analyse: Callable[[Array], tuple[Driver, ...]]


def _design(inputs: Sequence[UncertainInput], samples: int, seed: int) -> _Design | None:
    """Sobol' (Saltelli design, about `samples` evaluations) or Morris for many inputs; needs SALib.

    Inputs are sampled as cumulative probabilities u in [0, 1] and mapped through each input's
    inverse CDF, as the Monte Carlo samples are. Inputs of zero width (low = high) drive
    nothing: index 0, left out of the design.
    """
    try:
        import SALib  # noqa: F401  (the methods' modules are imported where used: they are slow to load)
    except ImportError as exc:
        raise ImportError(
            'global sensitivity needs SALib: pip install "paxmodel[uncertainty]" (or sweep with --no-drivers)'
        ) from exc
    varying = [k for k, u in enumerate(inputs) if u.value(0.0) != u.value(1.0)]
    if not varying:
        return None
    fixed = [u.path for k, u in enumerate(inputs) if k not in varying]
    problem = {
        "num_vars": len(varying),
        "names": [inputs[k].path for k in varying],
        "bounds": [[0.0, 1.0]] * len(varying),
    }

    def to_values(u: Array) -> Array:
        out = np.array([[inp.point for inp in inputs]] * len(u), dtype=np.float64)
        for column, k in enumerate(varying):
            out[:, k] = [inputs[k].value(float(x)) for x in u[:, column]]
        return out

    def ranked(method: str, indices: Sequence[float]) -> tuple[Driver, ...]:
        found = [
            Driver(inputs[k].path, share(v) if math.isfinite(v) else 0.0, method)
            for k, v in zip(varying, indices, strict=True)
        ]
        found += [Driver(path, 0.0, method) for path in fixed]
        return tuple(sorted(found, key=lambda d: (-d.index, d.input)))

    if len(varying) <= SOBOL_MAX_INPUTS:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample

        base = MIN_SOBOL_BASE
        while base * 2 * (len(varying) + 2) <= samples:
            base *= 2
        u = sobol_sample.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)

        def sobol(removal: Array) -> tuple[Driver, ...]:
            if float(np.var(removal)) == 0.0:
                return ranked("sobol-total", [0.0] * len(varying))
            result = sobol_analyze.analyze(problem, removal, calc_second_order=False, print_to_console=False, seed=seed)
            return ranked("sobol-total", np.clip(result["ST"], 0.0, None).tolist())

        return _Design("sobol", to_values(u), sobol)

    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    trajectories = max(4, samples // (len(varying) + 1))
    u = morris_sample.sample(problem, trajectories, num_levels=MORRIS_LEVELS, seed=seed)

    def morris(removal: Array) -> tuple[Driver, ...]:
        result = morris_analyze.analyze(
            problem, u, removal, num_levels=MORRIS_LEVELS, print_to_console=False, seed=seed
        )
        return ranked("morris-mu-star", list(result["mu_star"]))

    return _Design("morris", to_values(u), morris)


def _invite_shares(loaded: LoadedScenario, base: str, max_new: int, variants: Sequence[Any]) -> tuple[InviteShare, ...]:
    """How often each set of at most `max_new` candidates is the best to add to `base`, over the samples."""
    from paxmodel.analyses.invite import invite

    counts = Counter(invite(loaded, base, max_new, network=net).best.chosen for net in variants)
    total = len(variants)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(InviteShare(tuple(chosen), n / total) for chosen, n in ranked)
