"""What a user is told about bad input: the same lines from the command line and the server."""

from __future__ import annotations


def user_error_lines(exc: BaseException) -> list[str] | None:
    """The lines that describe a user error (bad scenario, membership, value or solve), or None
    for anything else (a bug, which deserves its traceback)."""
    from paxmodel.model.solvers import SolverError
    from paxmodel.scenario.errors import MembershipError, ScenarioError

    if isinstance(exc, ScenarioError):
        count = len(exc.problems) + exc.omitted
        return [
            *(str(problem) for problem in exc.problems),
            *([f"... and {exc.omitted:,} more, not shown"] if exc.omitted else []),
            f"{count:,} problem{'s' if count != 1 else ''} found; nothing was written.",
        ]
    if isinstance(exc, MembershipError | SolverError | ValueError | OSError):
        return [f"error: {exc}"]
    return None
