"""What each country brings to a membership: marginal values and Shapley values.

Both use the game

    v(S) = overall baseline dependency - overall optimised dependency with membership S

(MODEL.md 2.3; a unit of shortfall counts 1). v of the empty set is the removal of the
no-member optimum, which is not 0 in general: optimising sourcing helps even without a bloc.

- Marginal value of a code c relative to membership M: v(M + c) - v(M - c). For a member,
  the removal lost if it alone leaves; for a candidate, the removal gained if it alone joins.
- Shapley value of each member i of M (the players), in the game restricted to subsets of M:

      phi_i = sum over S in M - {i} of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))

  Exact (all 2^n subsets, evaluated by the fast engine in Gray code order) up to
  `EXACT_MAX_PLAYERS` players; above that estimated by permutation sampling: the mean of
  each player's marginal contribution over random orders of the players, with its standard
  error (standard deviation / sqrt(samples)).
  The values always sum to v(M) - v(empty set) (efficiency), sampled ones too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paxmodel.analyses.engine import CachedSolver, Progress, gray_subsets, make_solver
from paxmodel.model.run import Runner, number, resolve_candidates, resolve_members
from paxmodel.model.solvers import SolverName
from paxmodel.scenario.load import LoadedScenario

EXACT_MAX_PLAYERS = 14
DEFAULT_SAMPLES = 1000  # permutations, when sampling is needed and no number is given
MAX_SAMPLES = 20_000  # the standard error falls as 1/sqrt(samples): more buys nothing visible
ORDERS_PER_BATCH = 2000  # orders drawn and solved at a time

# Values smaller than this are solver noise (far below HiGHS's 1e-7 tolerances), shown as 0.
ZERO = 1e-12

Solver = CachedSolver


def clean(value: float) -> float:
    return 0.0 if abs(value) < ZERO else value


@dataclass(frozen=True)
class MarginalValues:
    """Marginal value of each member (leaving) and each candidate (joining)."""

    scenario: str
    membership: str
    members: tuple[str, ...]
    candidates: tuple[str, ...]
    solver: str
    baseline: float  # overall baseline dependency
    removed: float  # v(M)
    removed_without: dict[str, float]  # member -> v(M - member)
    removed_with: dict[str, float]  # candidate -> v(M + candidate)

    @property
    def values(self) -> dict[str, float]:
        """code -> v(M + code) - v(M - code), members then candidates."""
        values = {c: clean(self.removed - self.removed_without[c]) for c in self.members}
        values |= {c: clean(self.removed_with[c] - self.removed) for c in self.candidates}
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "membership": self.membership,
            "members": list(self.members),
            "solver": self.solver,
            "baseline": number(self.baseline),
            "removed": number(self.removed),
            "candidates": list(self.candidates),
            "marginal": {c: number(v) for c, v in sorted(self.values.items())},
        }

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per code: role, marginal value, removal with and without it."""
        values = self.values
        rows: list[dict[str, Any]] = []
        for c in self.members:
            rows.append(
                {
                    "code": c,
                    "role": "member",
                    "marginal": values[c],
                    "removed_with": self.removed,
                    "removed_without": self.removed_without[c],
                }
            )
        for c in self.candidates:
            rows.append(
                {
                    "code": c,
                    "role": "candidate",
                    "marginal": values[c],
                    "removed_with": self.removed_with[c],
                    "removed_without": self.removed,
                }
            )
        return rows


@dataclass(frozen=True)
class ShapleyValues:
    """Shapley value of each member of a membership in the game v (module docstring)."""

    scenario: str
    membership: str
    players: tuple[str, ...]  # the members, sorted
    solver: str
    baseline: float  # overall baseline dependency
    removed_all: float  # v(all players)
    removed_none: float  # v(empty set)
    values: dict[str, float]
    exact: bool
    samples: int | None  # permutations drawn (None when exact)
    seed: int | None
    standard_error: dict[str, float] | None  # None when exact
    configurations: int  # distinct memberships evaluated

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "scenario": self.scenario,
            "membership": self.membership,
            "members": list(self.players),
            "players": list(self.players),
            "solver": self.solver,
            "baseline": number(self.baseline),
            "removed": number(self.removed_all),
            "removed_none": number(self.removed_none),
            "shapley": {c: number(v) for c, v in sorted(self.values.items())},
            "exact": self.exact,
            "samples": self.samples,
            "seed": self.seed,
            "configurations": self.configurations,
        }
        if self.standard_error is not None:
            document["standard_error"] = {c: number(v) for c, v in sorted(self.standard_error.items())}
        return document

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per player: value, share of v(all) - v(none), standard error."""
        total = self.removed_all - self.removed_none
        return [
            {
                "code": c,
                "shapley": self.values[c],
                "share": self.values[c] / total if total else None,
                "standard_error": None if self.standard_error is None else self.standard_error[c],
            }
            for c in self.players
        ]


def _setup(
    loaded: LoadedScenario,
    membership: str | None,
    members: Iterable[str] | None,
    solver: SolverName,
    engine: Solver | None,
) -> tuple[str, tuple[str, ...], Solver]:
    name, codes = resolve_members(loaded, membership, members)
    return name, codes, engine if engine is not None else make_solver(Runner(loaded), solver)


def marginal(
    loaded: LoadedScenario,
    membership: str | None = None,
    candidates: Iterable[str] | None = None,
    *,
    members: Iterable[str] | None = None,
    solver: SolverName = "highs",
    engine: Solver | None = None,
    progress: Progress | None = None,
) -> MarginalValues:
    """Marginal value of every member of `membership` (default: the file's first) and candidate.

    `candidates` default to `loaded.default_candidates(members)`. `engine` reuses a solver
    (and its cache) across calls.
    """
    name, codes, engine = _setup(loaded, membership, members, solver, engine)
    base = frozenset(codes)
    pool = resolve_candidates(loaded, name, codes, candidates)
    configs = [base, *(base - {c} for c in codes), *(base | {c} for c in pool)]
    removed = engine.removed_many(configs, progress)
    return MarginalValues(
        scenario=loaded.name,
        membership=name,
        members=codes,
        candidates=pool,
        solver=engine.label,
        baseline=engine.baseline_dependency,
        removed=removed[0],
        removed_without=dict(zip(codes, removed[1 : 1 + len(codes)], strict=True)),
        removed_with=dict(zip(pool, removed[1 + len(codes) :], strict=True)),
    )


def shapley(
    loaded: LoadedScenario,
    membership: str | None = None,
    samples: int | None = None,
    seed: int = 0,
    *,
    exact: bool | None = None,
    members: Iterable[str] | None = None,
    solver: SolverName = "highs",
    engine: Solver | None = None,
    progress: Progress | None = None,
) -> ShapleyValues:
    """Shapley value of every member of `membership` (default: the file's first).

    `exact=None` (the default): exact when there are at most `EXACT_MAX_PLAYERS` members
    (then `samples` and `seed` are not used: the exact values are cheap and better),
    otherwise estimated from `samples` random orders (default `DEFAULT_SAMPLES`) drawn with
    `seed`, the same seed giving the same values. `exact=True` or `False` forces the method.
    """
    if samples is not None and not 2 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 2 (the standard error needs two) and {MAX_SAMPLES:,}")
    name, players, engine = _setup(loaded, membership, members, solver, engine)
    if exact is None:
        exact = len(players) <= EXACT_MAX_PLAYERS
    errors: dict[str, float] | None = None
    if exact:
        draws = None
        values, v_all, v_none, count = _exact(engine, players, progress)
    else:
        draws = DEFAULT_SAMPLES if samples is None else samples
        values, errors, v_all, v_none, count = _sampled(engine, players, draws, seed, progress)
    return ShapleyValues(
        scenario=loaded.name,
        membership=name,
        players=players,
        solver=engine.label,
        baseline=engine.baseline_dependency,
        removed_all=v_all,
        removed_none=v_none,
        values=values,
        exact=exact,
        samples=draws,
        seed=None if exact else seed,
        standard_error=errors,
        configurations=count,
    )


def shapley_weights(n: int) -> list[float]:
    """|S|! (n - |S| - 1)! / n! for |S| = 0 .. n - 1."""
    return [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]


def _exact(
    engine: Solver, players: Sequence[str], progress: Progress | None
) -> tuple[dict[str, float], float, float, int]:
    n = len(players)
    subsets = gray_subsets(players)
    removed = engine.removed_many([members for _, members in subsets], progress)
    v = np.empty(1 << n, dtype=np.float64)
    for (mask, _), value in zip(subsets, removed, strict=True):
        v[mask] = value
    masks = np.arange(1 << n)
    size = np.zeros(1 << n, dtype=np.intp)
    for b in range(n):
        size += (masks >> b) & 1
    weights = np.array([*shapley_weights(n), 0.0])
    values = {}
    for b, player in enumerate(players):
        without = masks[(masks >> b) & 1 == 0]
        values[player] = clean(math.fsum(weights[size[without]] * (v[without | (1 << b)] - v[without])))
    return values, float(v[-1]), float(v[0]), 1 << n


def _sampled(
    engine: Solver, players: Sequence[str], samples: int, seed: int, progress: Progress | None
) -> tuple[dict[str, float], dict[str, float], float, float, int]:
    """Means and standard errors over `samples` random orders, drawn and solved in batches of
    `ORDERS_PER_BATCH` (memory stays bounded whatever `samples` is; the draws are the same)."""
    rng = random.Random(seed)
    width = len(players) + 1
    index = {p: n for n, p in enumerate(players)}
    count, mean, m2 = 0, np.zeros(len(players)), np.zeros(len(players))
    distinct: set[frozenset[str]] = set()
    v_none = v_all = 0.0
    while count < samples:
        batch = min(ORDERS_PER_BATCH, samples - count)
        orders = [rng.sample(list(players), len(players)) for _ in range(batch)]
        flat = [frozenset(order[:k]) for order in orders for k in range(width)]
        distinct.update(flat)
        removed = engine.removed_many(flat, _offset(progress, count * width, samples * width, len(flat)))
        contributions = np.zeros((batch, len(players)))
        for s, order in enumerate(orders):
            along = removed[s * width : (s + 1) * width]
            for k, player in enumerate(order):
                contributions[s, index[player]] = along[k + 1] - along[k]
        # merge the batch's mean and sum of squared deviations into the running ones (Chan et al.)
        batch_mean = contributions.mean(axis=0)
        batch_m2 = ((contributions - batch_mean) ** 2).sum(axis=0)
        delta = batch_mean - mean
        total = count + batch
        mean = mean + delta * (batch / total)
        m2 = m2 + batch_m2 + delta**2 * (count * batch / total)
        count = total
        v_none, v_all = removed[0], removed[width - 1]
    errors = np.sqrt(m2 / (samples - 1)) / math.sqrt(samples)
    values = {p: clean(float(mean[index[p]])) for p in players}
    return values, {p: clean(float(errors[index[p]])) for p in players}, v_all, v_none, len(distinct)


def _offset(progress: Progress | None, before: int, total: int, size: int) -> Progress | None:
    """A batch's progress as part of the whole sweep's."""
    if progress is None:
        return None
    return lambda done, todo: progress(before + (size * done // todo if todo else size), total)
