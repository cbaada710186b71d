"""Benchmark of `paxmodel stress`: the matrix on the warm engine, and the worst-case MILP.

    python benchmarks/bench_stress.py [--seed 7] [--samples 300] [--repeats 3]

Scenario: generated, 60 countries x 60 items, 3 sectors, 3 tiers, with 6 memberships and 10
shocks added (random, seeded: 1 to 4 cuts each, on concern and other countries, on items,
sectors or everything, cut 0.3 / 0.5 / 1).

1. Matrix, 6 memberships x 10 shocks: `paxmodel.stress` (one warm HiGHS model; a shock is a
   variant pushed in as changed bounds; its time includes building the engine and the 6
   unshocked cells) against fresh PuLP builds, one per cell
   (`SourcingModel` of the cut network solved with HiGHS through PuLP, plus its status quo), as
   a script without the engine would do. The objectives of the two must agree.
2. Worst case, K = 3: the attackers are the concern countries plus the next countries in code
   order until they could cut at least 100 (country, item) pairs. One MILP (tie-breaking pass
   included), proven optimal, against brute force over every set of at most 3 cuts, estimated
   from `--samples` random 3-cut sets solved on the warm engine (the fastest route we have:
   each set is a variant of the scenario's numbers), and from a tenth of them through fresh
   PuLP builds. The sampled sets double as a check: none may beat the MILP's optimum.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from typing import Any

from rich.console import Console
from rich.table import Table

SCENARIO: dict[str, Any] = {"countries": 60, "items": 60, "sectors": 3, "tiers": 3}
MEMBERSHIPS = 6
SHOCKS = 10
K = 3
CANDIDATES = 100


def scenario(seed: int) -> Any:
    """The generated scenario with 6 memberships and 10 shocks."""
    from paxmodel.scenario.generate import generate_scenario_data
    from paxmodel.scenario.load import scenario_from_dict

    data = generate_scenario_data(**SCENARIO, seed=seed)
    rng = random.Random(seed)
    countries = sorted(data["countries"])
    eligible = [c for c in countries if not data["countries"][c].get("concern")]
    items = sorted(i for sector in data["sectors"].values() for i in sector["items"])
    data["memberships"] = {f"bloc_{n}": sorted(rng.sample(eligible, k=rng.randint(6, 20))) for n in range(MEMBERSHIPS)}
    shocks: dict[str, list[dict[str, Any]]] = {}
    for n in range(SHOCKS):
        cuts = []
        for _ in range(rng.randint(1, 4)):
            cut: dict[str, Any] = {"country": rng.choice(countries), "cut": rng.choice([0.3, 0.5, 1.0])}
            scope = rng.random()
            if scope < 0.5:
                cut["items"] = sorted(rng.sample(items, k=rng.randint(1, 8)))
            elif scope < 0.8:
                cut["sectors"] = [rng.choice(sorted(data["sectors"]))]
            cuts.append(cut)
        shocks[f"shock_{n}"] = cuts
    data["shocks"] = shocks
    return scenario_from_dict(data, name=f"<bench seed={seed}>")


def best_of(repeats: int, run: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def pulp_cell(network: Any, members: frozenset[str], cuts: dict[tuple[str, str], float]) -> float:
    """One cell the way a script without the engine computes it: build, solve, measure."""
    from paxmodel.model.lp import SourcingModel
    from paxmodel.model.run import Outcome, baseline_outcome

    variant = network.with_cuts(cuts)
    solution = SourcingModel(variant).solve(members, "highs")
    baseline_outcome(variant)
    Outcome.measure(variant, solution.sourcing, variant.risk_under(members))
    return solution.objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=300, help="3-cut sets timed for the brute-force estimate")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from paxmodel.analyses.engine import Configuration, FastSolver
    from paxmodel.analyses.interdiction import InterdictionModel
    from paxmodel.analyses.stress import stress
    from paxmodel.scenario.references import resolve_shocks

    loaded = scenario(args.seed)
    shocks = resolve_shocks(loaded.scenario)
    rows: list[tuple[str, str, str, str, str]] = []

    # 1. The matrix.
    engine_seconds, result = best_of(args.repeats, lambda: stress(loaded))
    network = FastSolver(loaded, workers=1).network

    def pulp_matrix() -> dict[tuple[str, str], float]:
        return {
            (m, s): pulp_cell(network, frozenset(members), shocks[s])
            for m, members in loaded.memberships.items()
            for s in shocks
        }

    pulp_seconds, pulp_objectives = best_of(args.repeats, pulp_matrix)
    worst_gap = max(abs(result.cell(m, s).objective - value) for (m, s), value in pulp_objectives.items())
    rows.append(
        (
            f"stress matrix, {MEMBERSHIPS} x {SHOCKS} cells",
            f"{engine_seconds:.3f} s (warm engine)",
            f"{pulp_seconds:.3f} s (fresh PuLP per cell)",
            f"{pulp_seconds / engine_seconds:.0f}x",
            f"objectives agree to {worst_gap:.1e}",
        )
    )

    # 2. The worst case.
    members = loaded.memberships["bloc_0"]
    concern = sorted(c for c, v in loaded.scenario.countries.items() if v.concern)
    others = sorted(c for c in loaded.scenario.countries if c not in concern)
    attackers = list(concern)
    while len(InterdictionModel(network, members, attackers).pairs) < CANDIDATES:
        attackers.append(others[len(attackers) - len(concern)])
    build_seconds, model = best_of(1, lambda: InterdictionModel(network, members, attackers))
    milp_seconds, found = best_of(args.repeats, lambda: model.solve(K))
    milp_seconds += build_seconds
    pairs = model.pairs
    total_sets = sum(math.comb(len(pairs), r) for r in range(K + 1))
    rng = random.Random(args.seed)
    samples = [tuple(sorted(rng.sample(pairs, K))) for _ in range(args.samples)]
    solver = FastSolver(loaded, workers=1)
    member_set = frozenset(members)

    def engine_objective(cuts: tuple[tuple[str, str], ...]) -> float:
        variant = network.with_cuts(dict.fromkeys(cuts, 1.0))
        return solver.evaluate(Configuration(member_set, repr(cuts), variant)).objective

    started = time.perf_counter()
    sampled = [engine_objective(cuts) for cuts in samples]
    per_set = (time.perf_counter() - started) / len(samples)
    few = samples[: max(3, len(samples) // 10)]
    started = time.perf_counter()
    for cuts in few:
        pulp_cell(network, member_set, dict.fromkeys(cuts, 1.0))
    per_set_pulp = (time.perf_counter() - started) / len(few)
    beaten = sum(value > found.objective + 1e-7 for value in sampled)
    check = f"proven optimal: {found.proven_optimal}; {beaten} of {len(samples)} sampled sets beat it"
    size = model.size
    rows.append(
        (
            f"worst case K={K} over {len(pairs)} cuts ({len(attackers)} attackers)",
            f"{milp_seconds:.3f} s (one MILP, {found.milp_solves} solves with ties)",
            f"{per_set * total_sets:.0f} s est. ({total_sets:,} sets x {1000 * per_set:.2f} ms, warm engine)",
            f"{per_set * total_sets / milp_seconds:.0f}x",
            check,
        )
    )
    rows.append(
        (
            "",
            "",
            f"{per_set_pulp * total_sets:.0f} s est. (x {1000 * per_set_pulp:.1f} ms, fresh PuLP)",
            f"{per_set_pulp * total_sets / milp_seconds:.0f}x",
            f"MILP: {size.binaries} binaries, {size.columns} columns, {size.rows} rows, {size.nonzeros} nonzeros",
        )
    )

    table = Table(title=f"paxmodel stress benchmark (seed {args.seed}, best of {args.repeats})", title_justify="left")
    for heading in ("task", "paxmodel", "baseline", "ratio", "check"):
        table.add_column(heading, justify="right" if heading == "ratio" else "left")
    for row in rows:
        table.add_row(*row)
    Console(width=200).print(table)
    print(
        f"worst cuts: {', '.join(f'{c}:{i}' for c, i in found.cuts)}; objective {found.objective:.6f}; "
        f"sampled 3-cut sets: median {statistics.median(sampled):.6f}, max {max(sampled):.6f}"
    )
    if worst_gap > 1e-6 or beaten or not found.proven_optimal:
        raise SystemExit("check failed")


if __name__ == "__main__":
    main()
