"""Command line: parses arguments, calls the Python API, prints. No modelling here.

One module per group of commands; importing them registers the commands on `app` in the
order a user meets them.
"""

from paxmodel.cli import checks, compare, frontier, importers, report, risk, run, serve, stress, sweep  # noqa: F401  (registers the commands)
from paxmodel.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
