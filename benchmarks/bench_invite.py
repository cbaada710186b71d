"""Benchmark of `paxmodel invite`: one MILP against brute force over every set of K candidates.

    python benchmarks/bench_invite.py [--seed 7] [--samples 200] [--repeats 3]

Scenario: generated, 60 countries x 60 items, 3 sectors, 3 tiers; base = its `base` membership;
candidates = the first 30 of the default candidates (sorted); K = 5.

Brute force means solving the LP of base + S for each of the C(30, 5) = 142,506 five-country
sets S (with member_risk 0 <= every risk, adding a member never hurts, so sets of exactly K
suffice; all sets of at most K would be 174,437). Its time is estimated from the measured time
per configuration over `--samples` five-country sets, taken as brute force would meet them
(runs of consecutive sets in lexicographic order from random starts, so a warm start gets its
due), with

- plain: `SourcingModel.solve` (the PuLP model built once, re-solved per membership, as
  `paxmodel run` does),
- engine: `paxmodel.analyses.engine.FastSolver` (one HiGHS model, warm-started re-solves), on
  one process, and on both cores (1,024 sets) when the machine has two.

The sampled sets double as a check: none may beat the MILP's optimum.

Each measurement runs in a fresh (spawned) process, so its peak resident memory (ru_maxrss,
including the interpreter and imported libraries; "setup" is the floor) is its own.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from rich.console import Console
from rich.table import Table

SCENARIO: dict[str, Any] = {"countries": 60, "items": 60, "sectors": 3, "tiers": 3}
CANDIDATES = 30
K = 5
SUBSETS = math.comb(CANDIDATES, K)  # 142,506
# Two cores: sweeps of these sizes; the cost per set is the smaller of the slope between them
# (worker start-up cancels out) and the larger sweep's wall time per set (conservative: the
# faster the brute force is taken to be, the smaller our ratio).
TWO_CORE_SAMPLES = (512, 4096)


def setup(seed: int) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    from paxmodel.scenario.generate import generate_scenario

    loaded = generate_scenario(**SCENARIO, seed=seed)
    base = loaded.memberships["base"]
    candidates = loaded.default_candidates(base)[:CANDIDATES]
    if len(candidates) < CANDIDATES:
        raise SystemExit(f"seed {seed}: only {len(candidates)} candidates")
    return loaded, base, candidates


def sample_subsets(candidates: tuple[str, ...], samples: int, seed: int, run: int = 50) -> list[tuple[str, ...]]:
    """`samples` K-sets as brute force would meet them: runs of `run` consecutive sets in
    lexicographic order (neighbours differ little, which a warm start exploits), each run
    from a random starting set."""
    rng = random.Random(seed)
    n = len(candidates)
    subsets: list[tuple[str, ...]] = []
    combination: list[int] | None = None
    while len(subsets) < samples:
        if combination is None or len(subsets) % run == 0:
            combination = sorted(rng.sample(range(n), K))
        subsets.append(tuple(candidates[i] for i in combination))
        # lexicographic successor; after the last set, start a new run
        for i in reversed(range(K)):
            if combination[i] < n - K + i:
                combination[i] += 1
                for j in range(i + 1, K):
                    combination[j] = combination[j - 1] + 1
                break
        else:
            combination = None
    return subsets


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def phase_setup(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.model.run import Runner

    loaded, base, candidates = setup(seed)
    runner = Runner(loaded)
    return {"variables": len(runner.model.y), "base": len(base), "candidates": len(candidates)}


def phase_milp(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.analyses.invite import invite

    loaded, _, candidates = setup(seed)
    totals, milps = [], []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = invite(loaded, "base", K, candidates=candidates)
        totals.append(time.perf_counter() - started)
        milps.append(result.best.milp_seconds)
    assert result is not None
    return {
        "seconds": statistics.median(totals),
        "milp_seconds": statistics.median(milps),
        "proven_optimal": result.proven_optimal,
        "chosen": result.chosen,
        "objective": result.best.milp_objective,
        "bound": result.best.milp_bound,
        "optimised": result.optimised,
        "base_optimised": result.base_optimised,
    }


def phase_frontier(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.analyses.invite import invite

    loaded, _, candidates = setup(seed)
    started = time.perf_counter()
    result = invite(loaded, "base", K, candidates=candidates, frontier=True)
    seconds = time.perf_counter() - started
    values = [point.milp_objective for point in result.frontier]
    return {
        "seconds": seconds,
        "milp_seconds": sum(point.milp_seconds for point in result.frontier),
        "proven_optimal": result.proven_optimal,
        "monotone": all(b <= a + 1e-9 for a, b in itertools.pairwise(values)),
        "objective": values[-1],
    }


def phase_plain(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.model.run import Runner

    loaded, base, candidates = setup(seed)
    model = Runner(loaded).model
    subsets = sample_subsets(candidates, samples, seed)
    model.solve(frozenset(base))  # first solve outside the timing (imports, first build)
    started = time.perf_counter()
    objectives = [model.solve(frozenset((*base, *subset))).objective for subset in subsets]
    seconds = time.perf_counter() - started
    return {"per_config": seconds / samples, "objectives": objectives}


def phase_engine(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.model.run import Runner

    loaded, base, candidates = setup(seed)
    solver = FastSolver(Runner(loaded), workers=1)
    subsets = sample_subsets(candidates, samples, seed)
    solver.solve(base)
    started = time.perf_counter()
    evaluations = solver.evaluate_many([(*base, *subset) for subset in subsets])
    seconds = time.perf_counter() - started
    return {"per_config": seconds / samples, "objectives": [e.objective for e in evaluations]}


def phase_engine_two_cores(seed: int, samples: int, repeats: int) -> dict[str, Any]:
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.model.run import Runner

    loaded, base, candidates = setup(seed)
    runner = Runner(loaded)
    walls, best = [], math.inf
    for n, count in enumerate(TWO_CORE_SAMPLES):
        solver = FastSolver(runner, workers=2)  # fresh cache; each sweep starts its own 2 workers
        subsets = sample_subsets(candidates, count, seed + 1 + n, run=256)
        started = time.perf_counter()
        evaluations = solver.evaluate_many([(*base, *subset) for subset in subsets])
        walls.append(time.perf_counter() - started)
        best = min(best, *(e.objective for e in evaluations))
    small, large = TWO_CORE_SAMPLES
    slope = (walls[1] - walls[0]) / (large - small)
    return {
        "per_config": min(slope, walls[1] / large),
        "startup": walls[0] - small * slope,
        "best": best,
        "workers_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


def isolated(phase: Callable[[int, int, int], dict[str, Any]], *args: int) -> dict[str, Any]:
    """Run `phase` in a fresh spawned process; add its wall time and peak memory."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        started = time.perf_counter()
        outcome = pool.submit(_measured, phase, *args).result()
        outcome["wall"] = time.perf_counter() - started
    return outcome


def _measured(phase: Callable[[int, int, int], dict[str, Any]], *args: int) -> dict[str, Any]:
    outcome = phase(*args)
    outcome["peak_rss_mb"] = peak_rss_mb()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=7, help="scenario and sampling seed")
    parser.add_argument("--samples", type=int, default=200, help="random 5-sets timed for brute force")
    parser.add_argument("--repeats", type=int, default=3, help="MILP runs (the median is reported)")
    args = parser.parse_args()
    params = (args.seed, args.samples, args.repeats)
    console = Console(stderr=True)
    console.print(f"[dim]bench_invite: seed {args.seed}, {args.samples} samples, spawning one process per phase[/]")
    started = time.perf_counter()

    setup_info = isolated(phase_setup, *params)
    milp = isolated(phase_milp, *params)
    frontier = isolated(phase_frontier, *params)
    plain = isolated(phase_plain, *params)
    engine: dict[str, Any] | None = None
    two_cores: dict[str, Any] | None = None
    try:
        import paxmodel.analyses.engine  # noqa: F401

        engine = isolated(phase_engine, *params)
        if (_cpus := len(__import__("os").sched_getaffinity(0))) >= 2:
            two_cores = isolated(phase_engine_two_cores, *params)
    except ImportError:
        console.print("[yellow]paxmodel.analyses.engine not found: engine rows skipped[/]")

    # Checks: no sampled set beats the MILP; the engine agrees with the plain LP.
    best_sampled = min(plain["objectives"])
    sampled_ok = best_sampled >= milp["objective"] - 1e-7
    engine_ok = engine is None or all(
        abs(a - b) <= 1e-7 for a, b in zip(plain["objectives"], engine["objectives"], strict=True)
    )
    if two_cores is not None:
        sampled_ok = sampled_ok and two_cores["best"] >= milp["objective"] - 1e-7

    table = Table(
        title=(
            f"invite benchmark: generated {SCENARIO['countries']} countries x {SCENARIO['items']} items, "
            f"{SCENARIO['tiers']} tiers (seed {args.seed}); base {setup_info['base']} members, "
            f"{CANDIDATES} candidates, K = {K}"
        ),
        title_justify="left",
    )
    for heading, justify in (
        ("measurement", "left"),
        ("time", "right"),
        ("brute / invite end to end", "right"),
        ("peak RSS", "right"),
        ("notes", "left"),
    ):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    table.caption = (
        "peak RSS: of the measuring process (2 cores: main + largest worker); ratios use the same run's times"
    )
    table.add_row("setup only (import, generate, build LP)", "–", "–", f"{setup_info['peak_rss_mb']:.0f} MB", "floor")
    table.add_row(
        f"invite K={K}: one MILP (HiGHS)",
        f"{milp['milp_seconds']:.3f} s",
        "–",
        "–",
        "proven optimal" if milp["proven_optimal"] else "NOT PROVEN",
    )
    table.add_row(
        f"invite K={K}: end to end",
        f"{milp['seconds']:.3f} s",
        "–",
        f"{milp['peak_rss_mb']:.0f} MB",
        f"MILP + pruning + LP of the chosen set; median of {args.repeats}",
    )
    table.add_row(
        f"invite --frontier k=0..{K}",
        f"{frontier['seconds']:.3f} s",
        "–",
        f"{frontier['peak_rss_mb']:.0f} MB",
        f"{K + 1} MILPs ({frontier['milp_seconds']:.3f} s), "
        + ("monotone" if frontier["monotone"] else "NOT MONOTONE")
        + (", proven" if frontier["proven_optimal"] else ", NOT PROVEN"),
    )

    def brute_row(label: str, per_config: float, peak: str, note: str) -> None:
        estimate = per_config * SUBSETS
        table.add_row(
            f"brute force, {label}",
            f"{estimate:,.0f} s (est.)",
            f"{estimate / milp['seconds']:,.0f}x",
            peak,
            f"{1000 * per_config:.2f} ms/config x {SUBSETS:,}; {note}",
        )

    brute_row("plain SourcingModel.solve", plain["per_config"], f"{plain['peak_rss_mb']:.0f} MB", "1 process")
    if engine is not None:
        brute_row("engine FastSolver", engine["per_config"], f"{engine['peak_rss_mb']:.0f} MB", "1 process")
    if two_cores is not None:
        brute_row(
            "engine FastSolver, 2 cores",
            two_cores["per_config"],
            f"{two_cores['peak_rss_mb']:.0f} + {two_cores['workers_peak_rss_mb']:.0f} MB",
            f"wall time per set, sweeps of {TWO_CORE_SAMPLES[0]:,} and {TWO_CORE_SAMPLES[1]:,} sets "
            f"(worker start ~{max(0.0, two_cores['startup']):.1f} s)",
        )
    Console(width=200).print(table)
    print(
        f"chosen: {', '.join(milp['chosen'])}; MILP objective {milp['objective']:.9f} (bound {milp['bound']:.9f}); "
        f"optimised dependency {milp['base_optimised']:.4f} -> {milp['optimised']:.4f}"
    )
    print(
        f"checks: best of the sampled sets {best_sampled:.9f} >= MILP optimum: {'yes' if sampled_ok else 'NO'}; "
        f"engine = plain LP on the samples (1e-7): {'yes' if engine_ok else 'NO' if engine else 'n/a'}; "
        f"total benchmark time {time.perf_counter() - started:.0f} s"
    )
    if not (milp["proven_optimal"] and frontier["monotone"] and sampled_ok and engine_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
