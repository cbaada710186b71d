"""Update latency of the `paxmodel serve` page, measured in the browser, against what it is made of.

    python benchmarks/bench_serve.py                       # 2 x 50 toggles (about 40 s)
    python benchmarks/bench_serve.py --toggles 200 --screenshot docs/img/serve.png

`paxmodel serve` (in a process of its own, as a user starts it) serves the bundled scenario; Debian's
Chromium (`/usr/bin/chromium`, or PAXMODEL_CHROMIUM) opens the page, and each toggle ticks or
unticks one country by a click. The page itself records the time from the change to its new
numbers on screen (`performance.now()` around fetch, JSON and drawing); that is the update
latency, median and worst: once toggling as fast as the page answers, once with a pause
between toggles, so that the page's "who to invite next" (the invite MILP, solved in the
server's worker process) runs alongside. In the same run, for the same configurations, the parts and the
alternatives, each timed here:

- API round trip: GET /api/run from Python over loopback (server, engine, JSON);
- warm engine: `FastSolver.result` after a cold start, and its JSON text (what the server does);
- PuLP rebuild: `Runner.run`, the PuLP route that the warm engine saves per request;
- `paxmodel run --json`: the command line in a fresh process (a few runs only).

Ratios are to the browser median. With --screenshot PATH the page is also saved as a PNG
(laptop width, full page, as it opens) and PATH with `-phone` before the suffix (phone width,
one screen).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from paxmodel.analyses.engine import FastSolver
from paxmodel.model.run import Runner
from paxmodel.outputs.files import json_text
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "scenarios" / "pax_silica_2026.yaml"
CHROMIUM = os.environ.get("PAXMODEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOGGLED = ("IN", "TW", "NL", "CA", "DE", "QA", "AE", "BR", "CL", "NO")  # ticked, then unticked, in turn


def serve() -> tuple[subprocess.Popen[bytes], str]:
    """`paxmodel serve` on the bundled scenario in its own process (as a user runs it), on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "paxmodel", "serve", str(BUNDLED.relative_to(ROOT)), "--port", str(port)]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/api/scenario", timeout=1):
                return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("paxmodel serve did not start") from None
            time.sleep(0.1)


def wait_for_update(page: Page, before: int) -> None:
    page.wait_for_function(
        "n => Number(document.documentElement.dataset.runs || 0) > n && document.documentElement.dataset.busy === '0'",
        arg=before,
    )


def toggle_in_browser(page: Page, toggles: int, pause: float = 0.0) -> tuple[list[float], list[tuple[str, ...]]]:
    """Browser-side latency (ms) of each toggle, and the member set after each one.

    With `pause` (seconds) between toggles the page also asks for "who to invite next" each
    time, so the invite MILP solves (in the server's worker process) while the next toggle runs.
    """
    latencies: list[float] = []
    configurations: list[tuple[str, ...]] = []
    for n in range(toggles):
        if pause:
            page.wait_for_timeout(pause * 1000)
        code = TOGGLED[(n // 2) % len(TOGGLED)]
        before = int(page.evaluate("document.documentElement.dataset.runs"))
        count = int(page.evaluate("window.paxmodel.timings.length"))
        page.locator(f'[data-country="{code}"]').click()
        wait_for_update(page, before)
        timings = page.evaluate("window.paxmodel.timings")
        if len(timings) != count + 1:
            raise RuntimeError(f"toggle {n} gave {len(timings) - count} updates, not 1")
        latencies.append(float(timings[-1]))
        configurations.append(
            tuple(sorted(page.eval_on_selector_all("[data-country]:checked", "ns => ns.map(n => n.dataset.country)")))
        )
    return latencies, configurations


def timed(action: Callable[[], object], repeats: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        action()
    return (time.perf_counter() - started) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--toggles", type=int, default=50)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.4, help="seconds between toggles of the second series")
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()

    server, url = serve()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "/")
            wait_for_update(page, 0)
            if args.screenshot is not None:  # the page as it opens
                save_screenshots(page, args.screenshot)
            for _ in range(2):  # one untimed round: warm the browser's code paths
                before = int(page.evaluate("document.documentElement.dataset.runs"))
                page.locator('[data-country="IN"]').click()
                wait_for_update(page, before)
            latencies, configurations = toggle_in_browser(page, args.toggles)
            paused, _ = toggle_in_browser(page, args.toggles, args.pause)
            browser.close()

        def api(members: tuple[str, ...]) -> None:
            with urllib.request.urlopen(f"{url}/api/run?members={','.join(members)}") as response:
                response.read()

        api_times = [timed(lambda m=members: api(m)) for members in configurations]
    finally:
        server.terminate()
        server.wait(timeout=10)

    runner = Runner(load_scenario(BUNDLED))
    fast = FastSolver(runner)

    def engine(members: tuple[str, ...]) -> None:
        fast.engine.cold_start()
        json_text(fast.result("custom", members).to_dict())

    engine_times = [timed(lambda m=members: engine(m)) for members in configurations]
    pulp_times = [timed(lambda m=members: runner.run("custom", m)) for members in configurations]
    command = [sys.executable, "-m", "paxmodel", "run", str(BUNDLED), "--json", "--members"]
    cli_times = [
        timed(lambda m=members: subprocess.run([*command, ",".join(m)], capture_output=True, check=True))
        for members in configurations[: args.cli_runs]
    ]

    reference = statistics.median(latencies)
    rows = [
        (f"page update in Chromium ({len(latencies)} toggles)", latencies),
        (f"  the same, {args.pause:g} s apart (invite MILP runs too)", paused),
        ("API round trip (GET /api/run)", api_times),
        ("warm engine: cold start, result, JSON", engine_times),
        ("PuLP rebuild per request (Runner.run)", pulp_times),
        (f"paxmodel run --json, new process ({len(cli_times)})", cli_times),
    ]
    print(f"paxmodel serve on {BUNDLED.name}: Chromium {CHROMIUM}, {os.cpu_count()} cores")
    print(f"{'what':<46} {'median ms':>10} {'worst ms':>10} {'median / page':>14}")
    for name, values in rows:
        median = statistics.median(values)
        print(f"{name:<46} {median:>10.1f} {max(values):>10.1f} {median / reference:>14.2f}")


def save_screenshots(page: Page, path: Path) -> None:
    """The page at laptop width (whole page) and at phone width (one screen), as in docs/serve.md."""
    page.wait_for_selector("#invite:not([aria-busy]) [data-invite]")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    page.screenshot(path=str(path.with_name(f"{path.stem}-phone{path.suffix}")))
    page.set_viewport_size({"width": 1280, "height": 900})
    print(f"wrote {path} and {path.with_name(f'{path.stem}-phone{path.suffix}')}")


if __name__ == "__main__":
    main()
