"""paxmodel: model membership of supply-chain security initiatives.

The Python API, for notebooks and scripts::

    import paxmodel
    scenario = paxmodel.load_scenario("scenarios/pax_silica_2026.yaml")
    result = paxmodel.solve(scenario, membership="signatories_2026")
    result.removed                      # overall dependency removed
    result.to_dict()                    # the JSON document of `paxmodel run --json`
    report = paxmodel.build_report(scenario, membership="signatories_2026")
    paxmodel.write_report(report, "html", "report.html")   # as `paxmodel report`

Names are imported on first use so that `import paxmodel` (and the CLI's `--help`) stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
}

__all__ = [
    "ExposureReport",
    "LoadedScenario",
    "MembershipError",
    "Network",
    "RunResult",
    "Runner",
    "ScenarioError",
    "SolverError",
    "SourcingModel",
    "build_report",
    "generate_scenario",
    "load_scenario",
    "scenario_from_dict",
    "solve",
    "write_report",
]

if TYPE_CHECKING:
    from paxmodel.analyses.exposure import ExposureReport, build_report
    from paxmodel.model.lp import SourcingModel
    from paxmodel.model.network import Network
    from paxmodel.model.run import Runner, RunResult, solve
    from paxmodel.model.solvers import SolverError
    from paxmodel.outputs.report import write_report
    from paxmodel.scenario.errors import MembershipError, ScenarioError
    from paxmodel.scenario.generate import generate_scenario
    from paxmodel.scenario.load import LoadedScenario, load_scenario, scenario_from_dict


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'paxmodel' has no attribute {name!r}")
    return getattr(import_module(module), name)
