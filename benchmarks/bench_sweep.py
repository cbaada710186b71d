"""Benchmark of `paxmodel sweep`: Monte Carlo samples on the warm engine vs fresh builds.

    python benchmarks/bench_sweep.py [--samples 1000] [--memberships 4] [--fresh 25] [--seed 1] [--repeats 2]

Scenario: the bundled scenarios/pax_silica_2026.yaml with its documented ranges (18 uncertain
numbers: risks, shares, capacities, a demand and an input coefficient, so that samples change
costs, bounds, right-hand sides and matrix coefficients). Memberships: the file's first
--memberships. Sensitivity (drivers) is off: only the Monte Carlo samples are timed.

- fresh, per configuration (as benchmarks/bench_compare.py's naive row): a fresh PuLP build and
  HiGHS solve for every (membership, sample), `SourcingModel(sample).solve(members)`;
- fresh, per sample: one fresh PuLP build of the sample's LP (`Runner` on the sample's network)
  shared by its memberships, plus the sample's baseline;
  both timed on --fresh samples spread evenly over the sweep and extrapolated to all. Their
  optimised dependencies are compared with the engine's.
- engine, 1 worker / 2 workers: `paxmodel.analyses.sweep.sweep` from the loaded scenario
  (engine build, sample draws, LP numbers of every sample, baselines, statistics, and for two
  workers the start of the worker process), timed whole. The two JSON documents must be equal.

Each measurement runs in a fresh spawned process. Times are wall-clock on a possibly shared
machine: engine rows are the fastest of --repeats runs; the load average is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "pax_silica_2026.yaml"


def memberships(count: int) -> list[str]:
    from paxmodel.scenario.load import load_scenario

    return list(load_scenario(SCENARIO).memberships)[:count]


def phase_fresh(args: argparse.Namespace) -> dict[str, Any]:
    from paxmodel.model.lp import SourcingModel
    from paxmodel.model.network import Network
    from paxmodel.model.run import Runner, baseline_outcome
    from paxmodel.model.solvers import pulp_v4_warnings_silenced
    from paxmodel.model.uncertainty import draw, uncertain_inputs, variant
    from paxmodel.scenario.load import load_scenario

    loaded = load_scenario(SCENARIO)
    names = memberships(args.memberships)
    network = Network.from_scenario(loaded)
    inputs = uncertain_inputs(loaded)
    step = max(1, args.samples // args.fresh)
    chosen = list(range(0, args.samples, step))[: args.fresh]
    Runner(loaded).run(names[0], loaded.memberships[names[0]])  # one-off library set-up
    optimised: dict[str, dict[int, float]] = {name: {} for name in names}
    start = time.perf_counter()
    for n in chosen:
        sample = variant(network, inputs, draw(inputs, args.seed, n))
        runner = Runner.of_network(loaded, sample)
        baseline_outcome(sample)
        for name in names:
            optimised[name][n] = runner.run(name, loaded.memberships[name]).optimised.dependency.overall
    per_sample = time.perf_counter() - start
    objectives = []
    with pulp_v4_warnings_silenced():
        start = time.perf_counter()
        for n in chosen:
            sample = variant(network, inputs, draw(inputs, args.seed, n))
            baseline_outcome(sample)
            for name in names:
                objectives.append(SourcingModel(sample).solve(frozenset(loaded.memberships[name])).objective)
        per_configuration = time.perf_counter() - start
    return {
        "per_sample": per_sample,
        "per_configuration": per_configuration,
        "count": len(chosen),
        "optimised": optimised,
    }


def phase_engine(args: argparse.Namespace, workers: int) -> dict[str, Any]:
    from paxmodel.analyses.sweep import sweep
    from paxmodel.scenario.load import load_scenario

    names = memberships(args.memberships)
    start = time.perf_counter()
    loaded = load_scenario(SCENARIO)
    result = sweep(loaded, names, args.samples, args.seed, workers=workers, sensitivity=False)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "document": json.dumps(result.to_dict()),
        "optimised": {name: result.optimised[name].tolist() for name in names},
        "uncertain": len(result.inputs),
    }


def in_fresh_process(function: Any, *arguments: Any) -> Any:
    with ProcessPoolExecutor(1, get_context("spawn")) as pool:
        return pool.submit(function, *arguments).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--memberships", type=int, default=4)
    parser.add_argument("--fresh", type=int, default=25, help="samples timed for the fresh-build baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    console = Console(width=120)
    fresh = in_fresh_process(phase_fresh, args)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for workers in (1, 2):
            runs[workers].append(in_fresh_process(phase_engine, args, workers))
    best = {w: min(r, key=lambda x: x["seconds"]) for w, r in runs.items()}
    documents = {r["document"] for rs in runs.values() for r in rs}
    worst_gap = max(
        abs(best[1]["optimised"][name][n] - value)
        for name, by_sample in fresh["optimised"].items()
        for n, value in by_sample.items()
    )
    per_configuration = fresh["per_configuration"] / fresh["count"] * args.samples
    per_sample = fresh["per_sample"] / fresh["count"] * args.samples

    configurations = args.samples * args.memberships
    table = Table(
        title=f"paxmodel sweep: {args.samples} samples x {args.memberships} memberships "
        f"({configurations} LP solves, {best[1]['uncertain']} uncertain numbers), bundled scenario",
        title_justify="left",
    )
    table.add_column("method")
    table.add_column("seconds", justify="right")
    table.add_column("ms / sample", justify="right")
    table.add_column("vs build per configuration", justify="right")
    table.add_column("vs build per sample", justify="right")
    rows = [
        ("fresh build per configuration (PuLP + HiGHS)", per_configuration),
        ("fresh build per sample, shared by its memberships", per_sample),
        *((f"warm engine, {w} worker{'s' if w > 1 else ''}", best[w]["seconds"]) for w in (1, 2)),
    ]
    for label, seconds in rows:
        table.add_row(
            label,
            f"{seconds:.2f}",
            f"{1000 * seconds / args.samples:.2f}",
            f"{per_configuration / seconds:.1f}x",
            f"{per_sample / seconds:.1f}x",
        )
    console.print(table)
    console.print(f"fresh rows: {fresh['count']} samples timed, extrapolated to {args.samples}")
    console.print(f"2 workers vs 1: {best[1]['seconds'] / best[2]['seconds']:.2f}x")
    console.print(f"JSON identical across workers and repeats: {len(documents) == 1}")
    console.print(f"largest |fresh - engine| optimised dependency on the timed samples: {worst_gap:.2e}")
    for workers, rs in runs.items():
        console.print(f"engine {workers} worker(s), every run: " + ", ".join(f"{r['seconds']:.2f}s" for r in rs))
    console.print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
