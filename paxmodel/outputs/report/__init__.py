"""Writing the sector exposure report as Markdown, self-contained HTML, CSV or JSON.

`write_report(report, "html", "report.html")` renders and writes atomically: an existing
file is replaced only once the new one is complete. Markdown writes its charts as SVG files
in `<stem>_files/` beside the .md; the .md and its charts are replaced together. The formats with charts
(md, html) need matplotlib (`pip install 'paxmodel[report]'`); csv and json do not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from paxmodel.analyses.exposure import ExposureReport
from paxmodel.outputs.files import json_text, write_atomic, write_files
from paxmodel.outputs.report.charts import ChartsUnavailable, report_charts, require_matplotlib
from paxmodel.outputs.report.text import summary_sentences

ReportFormat = Literal["md", "html", "csv", "parquet", "json"]
FORMATS: tuple[ReportFormat, ...] = ("md", "html", "csv", "parquet", "json")
CHART_FORMATS: frozenset[str] = frozenset({"md", "html"})

__all__ = ["FORMATS", "ChartsUnavailable", "ReportFormat", "check_format", "render", "report_document", "write_report"]


def check_format(format: str) -> None:
    """Fail early (before any solving) for an unknown format or a chart format without matplotlib."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}; choose one of {', '.join(FORMATS)}")
    if format in CHART_FORMATS:
        require_matplotlib()
    if format == "parquet":
        from paxmodel.outputs.frames import require

        require("pyarrow", "parquet")


def report_document(report: ExposureReport) -> dict[str, Any]:
    """The JSON report: every number of the other formats, and the summary as written."""
    return report.to_dict() | {"summary_text": summary_sentences(report)}


def chart_folder(output: Path) -> Path:
    """Where the Markdown report's charts go: `<stem>_files/` beside it."""
    return output.with_name(f"{output.stem}_files")


def render(report: ExposureReport, format: ReportFormat, chart_folder_name: str = "report_files") -> str:
    """The report as text in `format` (Markdown links its charts under `chart_folder_name`)."""
    check_format(format)
    if format == "json":
        return json_text(report_document(report))
    if format == "parquet":
        raise ValueError("parquet is binary: write it with write_report")
    if format == "csv":
        from paxmodel.outputs.report.csv import render_csv

        return render_csv(report)
    if format == "html":
        from paxmodel.outputs.report.html import render_html

        return render_html(report, report_charts(report))
    from paxmodel.outputs.report.markdown import render_markdown

    return render_markdown(report, report_charts(report), chart_folder_name)


def write_report(report: ExposureReport, format: ReportFormat, output: str | Path) -> list[Path]:
    """Render `report` and write it (atomically) to `output`; returns every file written."""
    check_format(format)
    output = Path(output)
    if format == "parquet":
        from paxmodel.outputs.report.csv import render_parquet

        return [write_atomic(output, render_parquet(report))]
    if format != "md":
        return [write_atomic(output, render(report, format))]
    from paxmodel.outputs.report.markdown import render_markdown

    charts = report_charts(report)
    text = render_markdown(report, charts, chart_folder(output).name)
    folder = chart_folder(output)
    files: dict[Path, str | bytes] = {folder / f"{chart.name}.svg": chart.svg for chart in charts}
    files[output] = text
    return write_files(files)  # all or nothing: the charts are replaced only with the .md
