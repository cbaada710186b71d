"""What the server computes, without any web framework: one scenario file, many configurations.

A `Workbench` holds the scenario as loaded at start-up and, per distinct set of `--set`
overrides, a `Variant`: the re-validated scenario with its warm engine (`FastSolver`). Every
answer is what the command line prints with `--json` for the same options, to the byte:
run results come from the same engine path as `paxmodel run` (a cold start per request, so
an answer never depends on what was asked before), compare, invite and report call the
same functions as their commands.

Solving is serialised by one lock (HiGHS keeps process-wide state, and one warm model
serves all requests); a request that cannot get the lock within `wait_seconds` is refused
with `Busy` rather than queued for ever. The slow answers, the invite MILP (~0.1 s for K = 3
on the bundled scenario, far more on a large file) and the report (with its sweep when the
scenario gives ranges), run in a worker process of their own, so that they never hold up
the page's runs; one that takes longer than `slow_seconds` is stopped (the worker is killed
and replaced) and refused.
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

from paxmodel.analyses.engine import FastSolver
from paxmodel.model.run import EMPTY_MEMBERSHIP, Runner, resolve_members
from paxmodel.model.uncertainty import uncertain_inputs
from paxmodel.scenario.load import LoadedScenario, load_scenario

MAX_VARIANTS = 32  # override sets kept warm (least recently used dropped first)
MAX_OVERRIDES = 16  # `set` parameters in one request
MAX_INVITE = 3  # largest K the server solves the invite MILP for (bounded time)


class BadRequest(ValueError):
    """A request parameter that makes no sense (the message says which and why)."""


class Busy(RuntimeError):
    """Every solver slot stayed taken for longer than the server waits, or a solve took too long."""


class UserError(Exception):
    """Bad input found in the worker process: `lines` is what the command line prints for it."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Configuration:
    """One what-if, as the query string gives it: whose membership, under which overrides."""

    membership: str | None = None
    members: tuple[str, ...] | None = None
    overrides: tuple[str, ...] = ()  # "PATH=VALUE" as `--set` takes them, in the order given


@dataclass
class Variant:
    """The scenario under one set of overrides, its network and LP, and its warm engine."""

    loaded: LoadedScenario
    runner: Runner
    engine: FastSolver


class Workbench:
    """The scenario file of `paxmodel serve` and a warm engine per override set."""

    def __init__(self, path: str | Path, wait_seconds: float = 10.0, slow_seconds: float = 30.0) -> None:
        self.path = Path(path)
        self.wait_seconds = wait_seconds
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._slow_lock = threading.Lock()
        self._pool: Pool | None = None  # the worker process of the slow answers
        self._variants: OrderedDict[tuple[str, ...], Variant] = OrderedDict()
        self.base = self._variant(())  # fails here, at start-up, for a bad file

    @contextmanager
    def solving(self, lock: threading.Lock | None = None) -> Iterator[None]:
        """Hold the solver lock (or `lock`), or raise `Busy` after `wait_seconds`."""
        lock = self._lock if lock is None else lock
        if not lock.acquire(timeout=self.wait_seconds):
            raise Busy(f"the server is busy (no solver free within {self.wait_seconds:g} s); try again")
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        """Stop the worker process, if one was started."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def in_worker(self, what: str, job: Callable[..., tuple[str, Any]], *arguments: Any) -> Any:
        """Run `job(*arguments)` in the worker process: its answer, or `UserError` with the
        command line's lines, or `Busy` (and a new worker next time) after `slow_seconds`."""
        with self.solving(self._slow_lock):
            if self._pool is None:
                # spawn, not fork: HiGHS keeps a thread pool that a forked child would inherit broken
                self._pool = get_context("spawn").Pool(1)
            pending = self._pool.apply_async(job, arguments)
            try:
                kind, answer = pending.get(timeout=self.slow_seconds)
            except multiprocessing.TimeoutError:
                self.close()
                raise Busy(f"the {what} took longer than {self.slow_seconds:g} s and was stopped") from None
        if kind == "error":
            raise UserError(answer)
        return answer

    def _variant(self, overrides: tuple[str, ...]) -> Variant:
        """The variant for `overrides`, loaded (and validated) once; call with the lock held."""
        found = self._variants.get(overrides)
        if found is not None:
            self._variants.move_to_end(overrides)
            return found
        loaded = load_scenario(self.path, overrides)
        runner = Runner(loaded)
        variant = Variant(loaded, runner, FastSolver(runner))
        self._variants[overrides] = variant
        if len(self._variants) > MAX_VARIANTS:
            self._variants.popitem(last=False)
        return variant

    def scenario(self) -> dict[str, Any]:
        """What the page needs to draw its controls (countries, memberships, settings, ...)."""
        loaded = self.base.loaded
        scenario = loaded.scenario
        network = self.base.runner.network
        # point values (a number given as a distribution counts as its mode or mean, as in `run`)
        full_budget = sum(
            capacity * network.expansion_cost[i][c]
            for i, row in network.expansion_capacity.items()
            for c, capacity in row.items()
        )
        return {
            "scenario": scenario.name,
            "description": scenario.description,
            "file": str(self.path),
            "countries": {
                code: {
                    "name": country.name,
                    "risk": network.risk[code],
                    "concern": country.concern,
                    "notes": country.notes,
                }
                for code, country in sorted(scenario.countries.items())
            },
            "memberships": {name: list(members) for name, members in loaded.memberships.items()},
            "settings": {
                "budget": network.budget,
                "max_single_share": network.max_single_share,
                "member_risk": network.member_risk,
                # the smallest budget that pays for every expansion: the top of the budget slider
                "full_budget": full_budget,
            },
            "sectors": {s: scenario.sectors[s].name for s in network.sectors},
            "items": {
                i: {"name": item.name, "sector": sector_id, "unit": item.unit}
                for sector_id, sector in scenario.sectors.items()
                for i, item in sector.items.items()
            },
            "shocks": list(loaded.scenario.shocks),  # in file order
            "max_invite": MAX_INVITE,
        }

    def run(self, configuration: Configuration) -> dict[str, Any]:
        """The document of `paxmodel run --json` for `configuration`."""
        with self.solving():
            variant = self._variant(configuration.overrides)
            name, members = resolve_members(variant.loaded, configuration.membership, configuration.members)
            variant.engine.engine.cold_start()  # the answer must not depend on earlier requests
            return variant.engine.result(name, members).to_dict()

    def compare(self, memberships: Sequence[str] | None, overrides: tuple[str, ...]) -> dict[str, Any]:
        """The document of `paxmodel compare --json`."""
        from paxmodel.analyses.compare import compare

        with self.solving():
            variant = self._variant(overrides)
            return compare(variant.loaded, memberships, runner=variant.runner).to_dict()

    def stress(
        self, memberships: Sequence[str] | None, configuration: Configuration, shocks: Sequence[str] | None
    ) -> dict[str, Any]:
        """The document of `paxmodel stress --json` (memberships or an ad-hoc member list, under
        the file's shocks or the ones named)."""
        from paxmodel.analyses.stress import stress

        with self.solving():
            variant = self._variant(configuration.overrides)
            return stress(variant.loaded, memberships, shocks, configuration.members).to_dict()

    def invite(
        self,
        configuration: Configuration,
        max_new: int,
        candidates: Sequence[str] | None,
        frontier: bool,
    ) -> dict[str, Any]:
        """The document of `paxmodel invite --json`; the base is a named or an ad-hoc membership.

        Solved in the worker process (see the module docstring).
        """
        if max_new > MAX_INVITE:
            raise BadRequest(f"max_new: the server solves the invite MILP for at most {MAX_INVITE} new members")
        document: dict[str, Any] = self.in_worker(
            "invite MILP",
            invite_document,
            str(self.path),
            configuration,
            max_new,
            None if candidates is None else tuple(candidates),
            frontier,
        )
        return document

    def report(self, configuration: Configuration, samples: int | None = None, seed: int = 0) -> tuple[str, str]:
        """(file name, HTML text) of the exposure report, as `paxmodel report --format html
        [--samples N --seed S]` writes it (in the worker process)."""
        from paxmodel.outputs.report import check_format

        check_format("html")
        if (samples is not None and samples < 0) or seed < 0:
            raise BadRequest("samples and seed: 0 or more")
        if samples and not uncertain_inputs(self.base.loaded):
            raise BadRequest("samples: the scenario gives no ranges to sample")
        answer: tuple[str, str] = self.in_worker(
            "report", report_document, str(self.path), configuration, samples, seed
        )
        return answer


_worker_variants: dict[tuple[str, tuple[str, ...]], LoadedScenario] = {}


def worker_loaded(path: str, overrides: tuple[str, ...]) -> LoadedScenario:
    """In the worker: the scenario under `overrides`, loaded once per override set."""
    key = (path, overrides)
    loaded = _worker_variants.get(key)
    if loaded is None:
        loaded = load_scenario(path, overrides)
        if len(_worker_variants) >= MAX_VARIANTS:
            _worker_variants.clear()
        _worker_variants[key] = loaded
    return loaded


def user_errors_as_lines(job: Callable[..., Any]) -> Callable[..., tuple[str, Any]]:
    """A worker job answering ("ok", answer), or ("error", the lines the command line prints)
    for bad input (exceptions with their own constructors do not all survive pickling)."""

    @functools.wraps(job)
    def wrapped(*arguments: Any) -> tuple[str, Any]:
        from paxmodel.outputs.messages import user_error_lines

        try:
            return "ok", job(*arguments)
        except Exception as exc:
            lines = user_error_lines(exc)
            if lines is None:
                raise
            return "error", lines

    return wrapped


@user_errors_as_lines
def invite_document(
    path: str, configuration: Configuration, max_new: int, candidates: tuple[str, ...] | None, frontier: bool
) -> dict[str, Any]:
    """In the worker: the document of `paxmodel invite --json`."""
    from paxmodel.analyses.invite import invite

    loaded = worker_loaded(path, configuration.overrides)
    result = invite(loaded, configuration.membership, max_new, candidates, frontier, members=configuration.members)
    return result.to_dict()


@user_errors_as_lines
def report_document(path: str, configuration: Configuration, samples: int | None, seed: int) -> tuple[str, str]:
    """In the worker: (file name, the HTML report); with the uncertainty sweep of
    `paxmodel report` when the scenario gives ranges (solved here, in one process)."""
    from paxmodel.analyses.exposure import build_report
    from paxmodel.outputs.report import render

    loaded = worker_loaded(path, configuration.overrides)
    report = build_report(
        loaded, configuration.membership, configuration.members, samples=samples, seed=seed, workers=1
    )
    return f"{report.provenance.membership}.html", render(report, "html")


def parse_configuration(params: Mapping[str, Sequence[str]], membership_param: str = "membership") -> Configuration:
    """The configuration named by query parameters `membership` (or `membership_param`),
    `members` and `set`."""
    membership = single(params, membership_param)
    members = single(params, "members")
    if membership is not None and members is not None:
        raise BadRequest(f"give {membership_param} or members, not both")
    overrides = tuple(params.get("set", ()))
    if len(overrides) > MAX_OVERRIDES:
        raise BadRequest(f"set: at most {MAX_OVERRIDES} overrides in one request")
    codes = split_codes(members)
    if codes == ():  # nobody selected: the empty membership, named "none" as on the command line
        return Configuration(membership=EMPTY_MEMBERSHIP, members=None, overrides=overrides)
    return Configuration(membership=membership, members=codes, overrides=overrides)


def split_codes(value: str | None) -> tuple[str, ...] | None:
    """`US,JP` -> ('US', 'JP'), as the command line reads `--members` (empty parts dropped)."""
    return None if value is None else tuple(code for code in value.split(",") if code.strip())


def single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name, ())
    if len(values) > 1:
        raise BadRequest(f"{name}: give it once")
    return values[0] if values else None
