"""Solver choice: HiGHS in-process (default) or PuLP's bundled CBC, both silent.

PuLP 3.3 announces its 4.0 API with DeprecationWarnings (PULP_CBC_CMD among them). We keep
the 3.x API on purpose, so those warnings are silenced here, in one place.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import warnings
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any, Literal

import pulp

SolverName = Literal["highs", "cbc"]
SOLVER_NAMES: tuple[SolverName, ...] = ("highs", "cbc")


class SolverError(RuntimeError):
    """The solver did not find an optimal solution."""


@contextlib.contextmanager
def pulp_v4_warnings_silenced() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulp(\..*)?")
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*PuLP 4\.0.*")
        yield


@contextlib.contextmanager
def c_stdout_silenced() -> Iterator[None]:
    """Send C-level stdout to /dev/null: HiGHS prints a banner when a Highs object is made."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (captured, notebook)
        fd = 1
    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            try:
                yield
            finally:
                libc.fflush(None)
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def new_highs() -> Any:
    """A silent `highspy.Highs` object."""
    import highspy

    with c_stdout_silenced():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    return highs


class QuietHiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's in-process HiGHS without the banner that highspy prints on construction."""

    def createAndConfigureSolver(self, lp: Any) -> None:
        with c_stdout_silenced():
            super().createAndConfigureSolver(lp)


def make_solver(name: SolverName) -> Any:
    """A PuLP solver object for `name`."""
    if name == "highs":
        return QuietHiGHS(msg=False)
    if name == "cbc":
        with pulp_v4_warnings_silenced():
            return pulp.PULP_CBC_CMD(msg=False)
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVER_NAMES)}")


def solver_label(name: SolverName) -> str:
    """Name and version, as reported in results."""
    if name == "highs":
        return f"HiGHS {version('highspy')}"
    return f"CBC (PuLP {pulp.__version__})"
