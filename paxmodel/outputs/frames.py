"""Results as pandas DataFrames (the optional `frames` extra), for notebooks and scripts.

`RunResult.to_frame()` and `Comparison.to_frame()` call these; pandas is imported only here,
on first use, so the core install and the CLI stay light.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from paxmodel.model.run import RunResult


class MissingExtra(ValueError):
    """An optional dependency is not installed (a clear message names the extra to install)."""


def require(extra_module: str | None = None, extra: str = "frames") -> Any:
    """The pandas module (and `extra_module`, e.g. pyarrow, importable), or a clear error."""
    for name in ("pandas", extra_module):
        if name is not None and importlib.util.find_spec(name) is None:
            raise MissingExtra(f"this needs {name}, which is not installed: pip install 'paxmodel[{extra}]'")
    import pandas

    return pandas


ITEM_COLUMNS = (
    "sector",
    "requirement",
    "baseline",
    "optimised",
    "removed",
    "shortfall",
    "shortfall_baseline",
    "concern_share_baseline",
    "concern_share_optimised",
    "hhi_baseline",
    "hhi_optimised",
)


def run_frame(result: RunResult) -> pd.DataFrame:
    """One row per item (index `item`, in the result's sorted order), the numbers of `run --json`;
    items with no requirement have NaN where the JSON has null."""
    pandas = require()
    items = result.to_dict()["items"]
    rows = [[entry.get(column) for column in ITEM_COLUMNS] for entry in items.values()]
    frame: pd.DataFrame = pandas.DataFrame(
        rows, columns=list(ITEM_COLUMNS), index=pandas.Index(list(items), name="item")
    )
    numeric = list(ITEM_COLUMNS[1:])
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def records_frame(records: list[dict[str, Any]], index: str | None = None) -> pd.DataFrame:
    """Flat records (one dict per row, e.g. `Comparison.records()`) as a DataFrame."""
    frame: pd.DataFrame = require().DataFrame.from_records(records)
    return frame.set_index(index) if index is not None and len(frame) else frame
