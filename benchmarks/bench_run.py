"""Model sizes and run times: the bundled scenario and generated ones of growing size.

    python benchmarks/bench_run.py                 # the default table (about a minute)
    python benchmarks/bench_run.py --repeats 5 --cli-repeats 5 --sizes 20x20 60x60

For each scenario it reports the LP size (variables, constraints), the time to load the YAML
file (parse, merge, validate), to build the network, baseline and LP, to solve it with HiGHS
and with CBC (median of --repeats solves of the kept model), and the end-to-end time of the
`paxmodel run FILE` command (median of --cli-repeats subprocesses). Two baselines, timed
interleaved with those runs so that load from other processes hits all three alike, show how
much of that command is interpreter and import start-up: `python -c "import paxmodel.cli"`
and `paxmodel --help`. Generated scenarios are written to a temporary YAML file
first, so they go through exactly the path the command takes.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.run import baseline_outcome, resolve_members
from paxmodel.scenario.generate import generate_scenario_data
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "scenarios" / "pax_silica_2026.yaml"
DEFAULT_SIZES = ("20x20", "60x60", "120x120")


@dataclass
class Row:
    name: str
    countries: int
    items: int
    variables: int
    constraints: int
    load: float
    build: float
    highs: float
    cbc: float
    objective_gap: float
    cli: float | None
    help: float | None
    imports: float | None


def median_time(action: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command_times(commands: dict[str, Sequence[str]], repeats: int) -> dict[str, float]:
    """Median wall time of each command, run in turn (interleaved) `repeats` times."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def paxmodel_command() -> list[str]:
    """The console script next to this interpreter, else `python -m paxmodel`."""
    script = Path(sys.executable).parent / "paxmodel"
    if script.exists():
        return [str(script)]
    found = shutil.which("paxmodel")
    return [found] if found else [sys.executable, "-m", "paxmodel"]


def measure(name: str, path: Path, repeats: int, cli_repeats: int) -> Row:
    load = median_time(lambda: load_scenario(path), repeats)
    loaded = load_scenario(path)
    _, members = resolve_members(loaded)  # the file's first membership, as `paxmodel run` does

    def build() -> SourcingModel:
        network = Network.from_scenario(loaded)
        baseline_outcome(network)
        return SourcingModel(network)

    build_time = median_time(build, repeats)
    model = build()
    chosen = frozenset(members)
    objectives = {"highs": model.solve(chosen, "highs").objective, "cbc": model.solve(chosen, "cbc").objective}
    highs = median_time(lambda: model.solve(chosen, "highs"), repeats)
    cbc = median_time(lambda: model.solve(chosen, "cbc"), repeats)
    commands = {
        "run": [*paxmodel_command(), "run", str(path)],
        "help": [*paxmodel_command(), "--help"],
        "import": [sys.executable, "-c", "import paxmodel.cli"],
    }
    cli = command_times(commands, cli_repeats) if cli_repeats > 0 else {}
    scenario = loaded.scenario
    return Row(
        name=name,
        countries=len(scenario.countries),
        items=sum(len(sector.items) for sector in scenario.sectors.values()),
        variables=model.problem.numVariables(),
        constraints=model.problem.numConstraints(),
        load=load,
        build=build_time,
        highs=highs,
        cbc=cbc,
        objective_gap=abs(objectives["highs"] - objectives["cbc"]),
        cli=cli.get("run"),
        help=cli.get("help"),
        imports=cli.get("import"),
    )


def parse_size(text: str) -> tuple[int, int]:
    try:
        countries, items = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected COUNTRIESxITEMS such as 60x60, got {text!r}") from None
    if countries < 2 or items < 1:
        raise argparse.ArgumentTypeError("need at least 2 countries and 1 item")
    return countries, items


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{1000 * seconds:.1f}"


def print_table(rows: list[Row]) -> None:
    headings = (
        "scenario",
        "countries",
        "items",
        "variables",
        "constraints",
        "load ms",
        "build ms",
        "HiGHS ms",
        "CBC ms",
        "CBC/HiGHS",
        "|obj HiGHS-CBC|",
        "`run` ms",
        "`--help` ms",
        "import ms",
        "`run`/`--help`",
    )
    table = [
        (
            row.name,
            str(row.countries),
            str(row.items),
            str(row.variables),
            str(row.constraints),
            ms(row.load),
            ms(row.build),
            ms(row.highs),
            ms(row.cbc),
            f"{row.cbc / row.highs:.1f}x",
            f"{row.objective_gap:.1e}",
            ms(row.cli),
            ms(row.help),
            ms(row.imports),
            "–" if row.cli is None or not row.help else f"{row.cli / row.help:.2f}x",
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(r[n]) for r in table)) for n, h in enumerate(headings)]

    def line(cells: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if n == 0 else c.rjust(w) for n, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    print(line(headings))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in table:
        print(line(cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="in-process timings: median of N (default 3)")
    parser.add_argument("--cli-repeats", type=int, default=3, help="subprocess timings: median of N; 0 skips them")
    parser.add_argument(
        "--sizes",
        nargs="*",
        type=parse_size,
        default=[parse_size(s) for s in DEFAULT_SIZES],
        metavar="CxI",
        help="generated scenarios, countries x items (default: 20x20 60x60 120x120)",
    )
    parser.add_argument("--sectors", type=int, default=3, help="sectors of generated scenarios (default 3)")
    parser.add_argument("--tiers", type=int, default=3, help="upstream tiers of generated scenarios (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--no-bundled", action="store_true", help=f"skip {BUNDLED.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.cli_repeats < 0:
        parser.error("--repeats must be >= 1 and --cli-repeats >= 0")

    print(
        f"paxmodel benchmark · Python {platform.python_version()} · {platform.machine()} · "
        f"repeats {args.repeats}, CLI repeats {args.cli_repeats}, seed {args.seed}"
    )
    rows: list[Row] = []
    if not args.no_bundled:
        if BUNDLED.is_file():
            rows.append(measure(BUNDLED.stem, BUNDLED, args.repeats, args.cli_repeats))
        else:
            print(f"note: {BUNDLED.relative_to(ROOT)} is missing; skipped")
    with tempfile.TemporaryDirectory(prefix="paxmodel-bench-") as tmp:
        for countries, items in args.sizes:
            data = generate_scenario_data(
                countries=countries, items=items, sectors=args.sectors, tiers=args.tiers, seed=args.seed
            )
            path = Path(tmp) / f"generated_{countries}x{items}.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            rows.append(measure(f"generated {countries}x{items}", path, args.repeats, args.cli_repeats))
    print()
    print_table(rows)
    print()
    print("times are medians in milliseconds; `--help` and import ms are start-up baselines timed alongside `run`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
