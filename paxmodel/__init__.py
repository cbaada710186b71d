"""paxmodel: model membership of supply-chain security initiatives.

The Python API, for notebooks and scripts::

    import paxmodel
    scenario = paxmodel.load_scenario("scenarios/pax_silica_2026.yaml")
    result = paxmodel.solve(scenario, membership="signatories_2026")
    result.removed                      # overall dependency removed
    result.to_dict()                    # the JSON document of `paxmodel run --json`
    report = paxmodel.build_report(scenario, membership="signatories_2026")
    paxmodel.write_report(report, "html", "report.html")   # as `paxmodel report`
    paxmodel.compare(scenario).records()                    # memberships ranked, as flat dicts
    paxmodel.shapley(scenario, "signatories_2026").values   # {member: Shapley value}
    paxmodel.stress(scenario).records()                     # memberships x shocks, as flat dicts
    paxmodel.sweep(scenario, samples=200, seed=1).to_dict()  # Monte Carlo over the distributions
    paxmodel.frontier(scenario, "signatories_2026").points  # exact budget breakpoints

Names are imported on first use so that `import paxmodel` (and the CLI's `--help`) stay fast.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "paxmodel.scenario.load",
    "scenario_from_dict": "paxmodel.scenario.load",
    "LoadedScenario": "paxmodel.scenario.load",
    "ScenarioError": "paxmodel.scenario.errors",
    "MembershipError": "paxmodel.scenario.errors",
    "generate_scenario": "paxmodel.scenario.generate",
    "Network": "paxmodel.model.network",
    "SourcingModel": "paxmodel.model.lp",
    "SolverError": "paxmodel.model.solvers",
    "solve": "paxmodel.model.run",
    "Runner": "paxmodel.model.run",
    "RunResult": "paxmodel.model.run",
    "build_report": "paxmodel.analyses.exposure",
    "ExposureReport": "paxmodel.analyses.exposure",
    "write_report": "paxmodel.outputs.report",
    "compare": "paxmodel.analyses.compare",
    "Comparison": "paxmodel.analyses.compare",
    "marginal": "paxmodel.analyses.contributions",
    "shapley": "paxmodel.analyses.contributions",
    "MarginalValues": "paxmodel.analyses.contributions",
    "ShapleyValues": "paxmodel.analyses.contributions",
    "FastSolver": "paxmodel.analyses.engine",
    "frontier": "paxmodel.analyses.frontier",
    "Frontier": "paxmodel.analyses.frontier",
    "invite": "paxmodel.analyses.invite",
    "InviteResult": "paxmodel.analyses.invite",
    "stress": "paxmodel.analyses.stress",
    "StressResult": "paxmodel.analyses.stress",
    "sweep": "paxmodel.analyses.sweep",
    "SweepResult": "paxmodel.analyses.sweep",
}

__all__ = [
    "Comparison",
    "ExposureReport",
    "FastSolver",
    "Frontier",
    "InviteResult",
    "LoadedScenario",
    "MarginalValues",
    "MembershipError",
    "Network",
    "RunResult",
    "Runner",
    "ScenarioError",
    "ShapleyValues",
    "SolverError",
    "SourcingModel",
    "StressResult",
    "SweepResult",
    "build_report",
    "compare",
    "frontier",
    "generate_scenario",
    "invite",
    "load_scenario",
    "marginal",
    "scenario_from_dict",
    "shapley",
    "solve",
    "stress",
    "sweep",
    "write_report",
]

if _TYPE_CHECKING:
    from paxmodel.analyses.compare import Comparison, compare
    from paxmodel.analyses.contributions import MarginalValues, ShapleyValues, marginal, shapley
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.analyses.exposure import ExposureReport, build_report
    from paxmodel.analyses.frontier import Frontier, frontier
    from paxmodel.analyses.invite import InviteResult, invite
    from paxmodel.analyses.stress import StressResult, stress
    from paxmodel.analyses.sweep import SweepResult, sweep
    from paxmodel.model.lp import SourcingModel
    from paxmodel.model.network import Network
    from paxmodel.model.run import Runner, RunResult, solve
    from paxmodel.model.solvers import SolverError
    from paxmodel.outputs.report import write_report
    from paxmodel.scenario.errors import MembershipError, ScenarioError
    from paxmodel.scenario.generate import generate_scenario
    from paxmodel.scenario.load import LoadedScenario, load_scenario, scenario_from_dict


def __dir__() -> list[str]:
    """The public API (not the helpers this module imports)."""
    return sorted([*__all__, "__version__"])


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'paxmodel' has no attribute {name!r}")
    return getattr(_import_module(module), name)
