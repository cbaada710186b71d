"""Benchmark of the fast re-solve engine behind `paxmodel compare --marginal/--shapley`.

    python benchmarks/bench_compare.py [--seed 1] [--naive 64] [--players 10] [--shapley-players 12]

Scenario: generated, 60 countries x 60 items, 3 sectors, 3 tiers, with a budget (--budget-share
of the cost of all expansion) and a single-share cap (--share-cap), so that budget rows, share
caps and expansion bounds all move with the membership. Players: the eligible countries with
the largest supply plus expansion (sum over items of (A + E) / T), most first.

(a) Sweep of every subset of --players players (2^10 = 1024 configurations), in Gray code order:
    - naive: a fresh PuLP build and HiGHS solve per configuration, `SourcingModel(network).solve`,
      timed on --naive configurations spread evenly over the sweep and extrapolated to all;
    - engine: `FastSolver.evaluate_many` on one process, and with two allowed (both cores; the
      engine starts a worker only when the rest of the sweep is expected to take over 1.5 s),
      timed on the whole sweep, engine build and worker start-up included.
    The objectives of the naive configurations are compared with the engine's.
(b) Exact Shapley values of --shapley-players players (2^12 = 4096 configurations):
    `paxmodel.analyses.contributions.shapley`, everything included (LP and engine build).
(c) Peak memory: each measurement runs in a fresh spawned process; its peak resident set size
    (resource.getrusage ru_maxrss: interpreter, libraries and data) is reported, and for the
    two-process runs also the largest worker's (RUSAGE_CHILDREN). "setup" (imports, scenario,
    LP and baseline) is the floor the others start from.

Times are wall-clock on a possibly shared machine: each engine and Shapley row is the fastest of
--repeats runs (all are printed below the table), and the load average is printed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from rich.console import Console
from rich.table import Table


def build(args: argparse.Namespace) -> tuple[Any, tuple[str, ...]]:
    """The scenario and its players, ordered by size (largest first)."""
    from paxmodel.scenario.generate import generate_scenario_data
    from paxmodel.scenario.load import scenario_from_dict

    data = generate_scenario_data(
        countries=args.countries, items=args.items, sectors=3, tiers=args.tiers, seed=args.seed
    )
    items = [item for sector in data["sectors"].values() for item in sector["items"].values()]
    full_cost = sum(e["capacity"] * e["cost"] for item in items for e in item.get("expansion", {}).values())
    data["settings"]["budget"] = round(args.budget_share * full_cost, 3)
    data["settings"]["max_single_share"] = args.share_cap
    loaded = scenario_from_dict(data, name="bench")

    from paxmodel.model.network import Network

    net = Network.from_scenario(loaded)
    size: dict[str, float] = {}
    for i in net.active_items:
        for c in set(net.available[i]) | set(net.expansion_capacity[i]):
            amount = net.available[i].get(c, 0.0) + net.expansion_capacity[i].get(c, 0.0)
            size[c] = size.get(c, 0.0) + amount / net.requirement[i]
    eligible = [c for c in net.countries if c not in net.concern]
    ranked = sorted(eligible, key=lambda c: (-size.get(c, 0.0), c))
    return loaded, tuple(ranked)


def peak_kib() -> tuple[int, int]:
    """(this process, largest terminated child) peak resident set size in KiB (Linux)."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )


def sweep(players: tuple[str, ...]) -> list[frozenset[str]]:
    from paxmodel.analyses.engine import gray_subsets

    return [members for _, members in gray_subsets(players)]


def phase_setup(args: argparse.Namespace) -> dict[str, Any]:
    from paxmodel.model.run import Runner

    loaded, ranked = build(args)
    runner = Runner(loaded)
    model = runner.model
    return {
        "variables": len(model.y) + len(model.f) + len(model.v),
        "constraints": len(model.problem.constraints),
        "budget": loaded.scenario.settings.budget,
        "players": ranked[: args.players],
        "shapley_players": ranked[: args.shapley_players],
        "memory": peak_kib(),
    }


def phase_naive(args: argparse.Namespace) -> dict[str, Any]:
    from paxmodel.model.lp import SourcingModel
    from paxmodel.model.network import Network
    from paxmodel.model.solvers import pulp_v4_warnings_silenced

    loaded, ranked = build(args)
    network = Network.from_scenario(loaded)
    configurations = sweep(ranked[: args.players])
    step = max(1, len(configurations) // args.naive)
    chosen = list(range(0, len(configurations), step))[: args.naive]
    objectives = {}
    with pulp_v4_warnings_silenced():
        SourcingModel(network).solve(frozenset())  # first solve pays one-off library set-up
        start = time.perf_counter()
        for n in chosen:
            objectives[n] = SourcingModel(network).solve(configurations[n]).objective
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "count": len(chosen), "objectives": objectives, "memory": peak_kib()}


def phase_engine(args: argparse.Namespace, workers: int) -> dict[str, Any]:
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.model.run import Runner

    loaded, ranked = build(args)
    runner = Runner(loaded)
    configurations = sweep(ranked[: args.players])
    runner.model  # noqa: B018 - the LP is built by both methods alike; the engine starts from it
    start = time.perf_counter()
    solver = FastSolver(runner, workers=workers)
    built = time.perf_counter() - start
    evaluations = solver.evaluate_many(configurations)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "build": built,
        "objectives": [e.objective for e in evaluations],
        "memory": peak_kib(),
    }


def phase_shapley(args: argparse.Namespace, workers: int) -> dict[str, Any]:
    from paxmodel.analyses import contributions
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.model.run import Runner

    loaded, ranked = build(args)
    players = ranked[: args.shapley_players]
    start = time.perf_counter()
    engine = FastSolver(Runner(loaded), workers=workers)
    result = contributions.shapley(loaded, members=players, engine=engine)
    seconds = time.perf_counter() - start
    total = result.removed_all - result.removed_none
    return {
        "seconds": seconds,
        "configurations": result.configurations,
        "exact": result.exact,
        "efficiency_error": abs(sum(result.values.values()) - total),
        "memory": peak_kib(),
    }


PHASES = {
    "setup": lambda args: phase_setup(args),
    "naive": lambda args: phase_naive(args),
    "engine1": lambda args: phase_engine(args, 1),
    "engine2": lambda args: phase_engine(args, 2),
    "shapley1": lambda args: phase_shapley(args, 1),
    "shapley2": lambda args: phase_shapley(args, 2),
}


def run_phase(name: str, args: argparse.Namespace) -> dict[str, Any]:
    return PHASES[name](args)


def isolated(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one phase in a fresh spawned process (its own peak memory, no shared caches)."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_phase, name, args).result()


def fastest(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The fastest of --repeats isolated runs (the machine may be shared), with the largest peak memory."""
    runs = [isolated(name, args) for _ in range(max(1, args.repeats))]
    best = min(runs, key=lambda run: run["seconds"])
    best["memory"] = tuple(max(run["memory"][k] for run in runs) for k in range(2))
    best["all_seconds"] = [run["seconds"] for run in runs]
    return best


def worker_memory(run: dict[str, Any], workers: int) -> str:
    if workers == 1:
        return ""
    if run["memory"][1] == 0:
        return " (no worker: not worth it)"
    return f" ({mib(run['memory'][1])})"


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--countries", type=int, default=60)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--tiers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-share", type=float, default=0.1, help="budget / cost of all expansion")
    parser.add_argument("--share-cap", type=float, default=0.5, help="max_single_share")
    parser.add_argument("--players", type=int, default=10, help="sweep of all 2^players subsets")
    parser.add_argument("--naive", type=int, default=64, help="configurations timed the naive way")
    parser.add_argument("--shapley-players", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3, help="engine and Shapley runs; the fastest counts")
    parser.add_argument("--skip-one-process", action="store_true", help="skip the one-process engine runs")
    args = parser.parse_args()

    started = time.perf_counter()
    load_before = os.getloadavg()
    setup = isolated("setup", args)
    naive = isolated("naive", args)
    counts = (2,) if args.skip_one_process else (1, 2)
    engines = {w: fastest(f"engine{w}", args) for w in counts}
    shapleys = {w: fastest(f"shapley{w}", args) for w in counts}
    load_after = os.getloadavg()

    sweep_size = 2**args.players
    per_naive = naive["seconds"] / naive["count"]
    naive_total = per_naive * sweep_size
    worst = 0.0
    for w, engine in engines.items():
        for n, objective in naive["objectives"].items():
            worst = max(worst, abs(engine["objectives"][int(n)] - objective))
        if w == 2 and 1 in engines:
            worst = max(
                worst, max(abs(a - b) for a, b in zip(engine["objectives"], engines[1]["objectives"], strict=True))
            )

    from importlib.metadata import version

    title = (
        f"{args.countries} countries x {args.items} items, {args.tiers} tiers, seed {args.seed}: LP of "
        f"{setup['variables']} variables x {setup['constraints']} constraints; budget {setup['budget']:,} "
        f"({args.budget_share:.0%} of all expansion), max_single_share {args.share_cap}"
    )
    table = Table(title=title, title_justify="left")
    for heading, justify in (
        ("measurement", "left"),
        ("configurations", "right"),
        ("time", "right"),
        ("per configuration", "right"),
        ("vs naive", "right"),
        ("peak RSS (worker)", "right"),
    ):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    table.add_row("setup: imports, scenario, LP, baseline", "", "", "", "", mib(setup["memory"][0]))
    table.add_row(
        f"(a) naive: fresh PuLP build + HiGHS solve, timed on {naive['count']}, extrapolated",
        f"{sweep_size:,}",
        f"{naive_total:.1f} s (est.)",
        f"{1000 * per_naive:.2f} ms",
        "1x",
        mib(naive["memory"][0]),
    )
    for w, engine in engines.items():
        table.add_row(
            f"(a) engine, {w} process{'es' if w > 1 else ''} (build {1000 * engine['build']:.0f} ms included)",
            f"{sweep_size:,}",
            f"{engine['seconds']:.2f} s",
            f"{1000 * engine['seconds'] / sweep_size:.3f} ms",
            f"{naive_total / engine['seconds']:.0f}x",
            mib(engine["memory"][0]) + worker_memory(engine, w),
        )
    for w, result in shapleys.items():
        kind = "exact" if result["exact"] else "SAMPLED"
        table.add_row(
            f"(b) {kind} Shapley, {args.shapley_players} players, {w} process{'es' if w > 1 else ''}",
            f"{result['configurations']:,}",
            f"{result['seconds']:.2f} s",
            f"{1000 * result['seconds'] / result['configurations']:.3f} ms",
            f"{per_naive * result['configurations'] / result['seconds']:.0f}x",
            mib(result["memory"][0]) + worker_memory(result, w),
        )
    console = Console(width=150)
    console.print(table)
    console.print(
        f"max |objective difference|, engine vs naive on the {naive['count']} naive configurations "
        f"(and 1 vs 2 processes on all {sweep_size:,}): {worst:.1e} (target <= 1e-7)\n"
        "all runs (s): "
        + "; ".join(
            f"{label} {w}p " + ", ".join(f"{t:.2f}" for t in run["all_seconds"])
            for label, runs in (("sweep", engines), ("Shapley", shapleys))
            for w, run in runs.items()
        )
        + "\n"
        "Shapley efficiency |sum of values - (v(all) - v(none))|: "
        + ", ".join(f"{r['efficiency_error']:.1e}" for r in shapleys.values())
        + "\n"
        f"peak RSS = resource.getrusage ru_maxrss of the fresh process that ran the row (interpreter and libraries"
        f" included); in brackets the largest worker process\n"
        f"{platform.python_implementation()} {platform.python_version()}, HiGHS {version('highspy')}, "
        f"PuLP {version('pulp')}, {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before / "
        f"{load_after[0]:.1f} after; total {time.perf_counter() - started:.0f} s"
    )
    if worst > 1e-7:
        sys.exit("objectives differ by more than 1e-7")


if __name__ == "__main__":
    main()
