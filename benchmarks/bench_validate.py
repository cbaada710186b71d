"""Validation speed on large and hostile files (issue 7: "validate any file in under 2 s per MB").

    python benchmarks/bench_validate.py            # the default table (about a minute)
    python benchmarks/bench_validate.py --items 20000

For each file: its size, the time of `load_scenario` (read, merge extends, validate, check
references; a located error counts as an answer), seconds per MB, and as a baseline measured
in the same run on the same file, the time libyaml alone takes to parse it into events (the
floor of any YAML reader in Python). Medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

HEADER = "paxmodel: 1\nname: Bench\n"


def countries(n: int) -> str:
    return "countries:\n" + "".join(f"  C{k:04d}: {{name: Country {k}, risk: 0.{k % 10}}}\n" for k in range(n))


def large(items: int) -> str:
    """A realistic shape: items with demand, three suppliers and an expansion each."""
    lines = [HEADER + countries(100) + "sectors:\n  s:\n    name: S\n    items:\n"]
    for i in range(items):
        a = i % 100
        b, c = (a + 37) % 100, (a + 71) % 100
        lines.append(
            f"      i{i}: {{name: Item {i}, unit: t, demand: {i % 9 + 1}, "
            f"supply: {{C{a:04d}: {i % 5 + 1}, C{b:04d}: 2.5, C{c:04d}: 1}}, "
            f"expansion: {{C{b:04d}: {{capacity: 3, cost: 1.5}}}}}}\n"
        )
    return "".join(lines)


def child(items: int) -> str:
    """15 KB: 100 overridden items of the large file."""
    lines = ["extends: large.yaml\nname: Child\nsectors:\n  s:\n    items:\n"]
    lines += [f"      i{i * (items // 100)}: {{demand: 4, notes: overridden in the child file}}\n" for i in range(100)]
    return "".join(lines)


def misspelt(n: int) -> str:
    names = ", ".join(f"D{k:04d}" for k in range(n))
    return HEADER + countries(n) + f"candidates: [{names}]\n"


def merge_keys(n: int) -> str:
    lines = [HEADER + "countries:\n  DEFAULTS: &d {name: Default, risk: 0.5}\n"]
    lines += [f"  C{k:05d}: {{<<: *d, name: Country {k}}}\n" for k in range(n)]
    return "".join(lines)


def bomb() -> str:
    lines = [HEADER, "a0: &a0 [" + ", ".join(["lol"] * 9) + "]\n"]
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]\n" for k in range(1, 9)]
    return "".join(lines)


def timed(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load(path: Path) -> str:
    try:
        load_scenario(path)
        return "valid"
    except ScenarioError as exc:
        return f"{len(exc.problems) + exc.omitted} problems"


def parse_events(path: Path) -> None:
    loader = yaml.CBaseLoader(path.read_text())
    try:
        while loader.get_event() is not None:
            pass
    finally:
        loader.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = {
            "large.yaml": large(args.items),
            "child.yaml": child(args.items),
            "misspelt.yaml": misspelt(1000),
            "merge_keys.yaml": merge_keys(20_000),
            "bomb.yaml": bomb(),
        }
        for name, text in files.items():
            (root / name).write_text(text)
        print(f"{'file':<16} {'MB':>6} {'load s':>8} {'s/MB':>6} {'libyaml s':>10} {'ratio':>6}  answer")
        for name in files:
            path = root / name
            answer = load(path)
            seconds = timed(lambda: load(path), args.repeats)  # noqa: B023
            parsed = [path, root / "large.yaml"] if name == "child.yaml" else [path]
            floor = timed(lambda: [parse_events(p) for p in parsed], args.repeats)  # noqa: B023
            mb = sum(p.stat().st_size for p in parsed) / 1e6
            print(
                f"{name:<16} {mb:6.2f} {seconds:8.2f} {seconds / max(mb, 1e-3):6.2f} {floor:10.2f} "
                f"{seconds / floor:6.1f}  {answer}"
            )


if __name__ == "__main__":
    main()
