"""Trade-data-sized scenarios: `paxmodel run` end to end, and where the time goes.

    python benchmarks/bench_scale.py                      # 200 countries x 1,000 / 5,000 items
    python benchmarks/bench_scale.py --items 1000 2000 5000 --repeats 3

Each scenario is generated (`paxmodel.scenario.generate`: 200 countries, up to 40 suppliers
and 5 expanding countries an item, 4 tiers of inputs, a budget, a 65% single-share cap),
written to a YAML file, and run as a user would: `paxmodel run FILE --json --output OUT`
in a fresh process (load, validation, network, baseline, LP, HiGHS, metrics, JSON), timed by
wall clock with the process's peak memory (max RSS). Baselines from the same run: the time
of `python -c "import paxmodel.cli"` (start-up), and every size's time as a ratio to the
smallest size's (the target: at most 6x from 1,000 to 5,000 items). An in-process breakdown
of the largest size says which phase limits it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from paxmodel.analyses.engine import FastSolver
from paxmodel.model.run import Runner
from paxmodel.scenario.generate import generate_scenario_data
from paxmodel.scenario.load import load_scenario

COUNTRIES = 200


def scenario_file(items: int, directory: Path, seed: int) -> Path:
    data = generate_scenario_data(
        countries=COUNTRIES,
        items=items,
        sectors=10,
        tiers=4,
        seed=seed,
        budget=50.0 * items,
        max_single_share=0.65,
        max_suppliers=40,
        max_expanders=5,
    )
    path = directory / f"scale_{items}.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
    return path


def timed_process(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def phases(path: Path) -> dict[str, float]:
    """Seconds per phase of the same work, in this process."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    loaded = load_scenario(path)
    out["load + validate"] = time.perf_counter() - start
    start = time.perf_counter()
    runner = Runner(loaded)
    out["network + baseline"] = time.perf_counter() - start
    start = time.perf_counter()
    solver = FastSolver(runner, workers=1)
    out["LP arrays"] = time.perf_counter() - start
    members = loaded.memberships["base"]
    start = time.perf_counter()
    solver.engine.run(frozenset(members))
    out["HiGHS solve"] = time.perf_counter() - start
    start = time.perf_counter()
    result = solver.result("base", members)  # solves again from the optimal basis: ~0
    result.to_dict()
    out["metrics + JSON document"] = time.perf_counter() - start
    data = solver.engine.data
    out["_columns"], out["_rows"], out["_nonzeros"] = len(data.col_cost), len(data.row_lower), len(data.a_index)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeats", type=int, default=1, help="runs per size (median reported)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paxmodel = [sys.executable, "-m", "paxmodel"]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = {n: scenario_file(n, directory, args.seed) for n in sorted(args.items)}
        startup = statistics.median(
            timed_process([sys.executable, "-c", "import paxmodel.cli"])[0] for _ in range(max(3, args.repeats))
        )
        rows = []
        for n, path in files.items():
            runs = [
                timed_process(
                    [*paxmodel, "run", str(path), "--membership", "base", "--json", "-o", str(directory / "out.json")]
                )
                for _ in range(args.repeats)
            ]
            rows.append((n, path.stat().st_size / 1e6, statistics.median(t for t, _ in runs), max(m for _, m in runs)))
        smallest = rows[0][2]
        print(f"paxmodel run FILE --json (end to end, fresh process; {COUNTRIES} countries, seed {args.seed})")
        print(f"start-up baseline (python -c 'import paxmodel.cli'): {startup:.2f} s")
        print(f"{'items':>7} {'YAML MB':>8} {'seconds':>8} {'x smallest':>10} {'peak MB':>8}")
        for n, size, seconds, memory in rows:
            print(f"{n:>7,} {size:>8.1f} {seconds:>8.2f} {seconds / smallest:>10.2f} {memory:>8.0f}")
        largest = max(files)
        parts = phases(files[largest])
        print(
            f"\nin-process phases at {largest:,} items (LP: {parts.pop('_columns'):,.0f} columns, "
            f"{parts.pop('_rows'):,.0f} rows, {parts.pop('_nonzeros'):,.0f} nonzeros)"
        )
        total = sum(parts.values())
        for name, seconds in parts.items():
            print(f"  {name:<24} {seconds:>6.2f} s {100 * seconds / total:>5.1f}%")


if __name__ == "__main__":
    main()
