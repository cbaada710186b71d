"""The exposure report's files: HTML parsed, CSV against JSON, Markdown charts, atomic and deterministic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from paxmodel.analyses.exposure import ExposureReport, build_report
from paxmodel.outputs.report import ChartsUnavailable, check_format, render, write_report
from paxmodel.outputs.report.charts import report_charts
from paxmodel.outputs.report.csv import COLUMNS
from paxmodel.scenario.generate import generate_scenario
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "report_small.yaml"
DATE = "2026-03-01"
URL = re.compile(r"(?:https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def small() -> ExposureReport:
    return build_report(load_scenario(SMALL), "bloc", date=DATE)


@pytest.fixture(scope="module")
def generated() -> ExposureReport:
    """A larger report with tiers, expansion and several sectors."""
    return build_report(generate_scenario(countries=12, items=15, sectors=3, seed=4), "base", date=DATE)


class PageParser(HTMLParser):
    """Collects what the tests look at: ids, tags, text per tag, every URL-bearing attribute, CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.tags: defaultdict[str, int] = defaultdict(int)
        self.links: list[str] = []
        self.css: list[str] = []
        self.text: list[str] = []
        self.h1: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self._stack.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data") and value:
                self.links.append(value)
            if name == "style" and value:
                self.css.append(value)

    def handle_endtag(self, tag: str) -> None:
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "style" in self._stack:
            self.css.append(data)
        if "h1" in self._stack:
            self.h1.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize("which", ["small", "generated"])
def test_html_has_every_sector_and_item_and_fetches_nothing(which: str, request: pytest.FixtureRequest) -> None:
    report: ExposureReport = request.getfixturevalue(which)
    page = render(report, "html")
    parsed = parse(page)
    text = " ".join(parsed.text)
    for sector in report.sectors:
        assert f"sector-{sector.id}" in parsed.ids
        assert sector.name in text
    for item in report.items.values():
        assert f"item-{item.id}" in parsed.ids
        assert item.name in text
    # charts inlined as SVG: one per chart, nothing external
    assert parsed.tags["svg"] == len(report_charts(report)) >= 3
    assert parsed.tags["img"] == parsed.tags["script"] == parsed.tags["link"] == parsed.tags["iframe"] == 0
    for link in parsed.links:
        assert link.startswith("#"), link  # in-page anchors and SVG references only
    for css in parsed.css:
        for target in re.findall(r"url\(([^)]*)\)", css):
            assert target.strip("'\" ").startswith("#"), target
        assert "@import" not in css
    assert "@media print" in page
    # provenance: file hash, solver, date and the scenario's sources
    assert report.provenance.sha256 in text
    assert report.provenance.solver in text
    assert DATE in text


def test_html_escapes_scenario_text(small: ExposureReport) -> None:
    page = render(small, "html")
    parsed = parse(page)
    assert "".join(parsed.h1) == "Report test <small> & co"
    assert "Report test &lt;small&gt; &amp; co" in page
    # the source's URL is shown as text, never as a link
    assert "https://example.org/not-fetched" in " ".join(parsed.text)
    assert not any(URL.match(link) for link in parsed.links)


def item_cells(page: str, item: str) -> list[str]:
    """The cells of an item's row: (markup, text) of each <td>."""
    row = re.search(rf'<tr id="item-{item}">(.*?)</tr>', page, re.DOTALL)
    assert row is not None
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)


def text_of(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


def test_html_flags_and_lookthrough(small: ExposureReport) -> None:
    page = render(small, "html")
    # columns: requirement, suppliers, dependency, removed, look-through, concern, HHI, shortfall, expansion, CRMA
    gallium, poly, wafer = (item_cells(page, i) for i in ("gallium", "polysilicon", "wafer"))
    assert text_of(gallium[9]) == "CN 90.0% → CN 90.0%" and 'class="flag"' in gallium[9]
    assert text_of(poly[9]) == "CN 85.7% → –" and 'class="flag"' not in poly[9]  # flagged today only
    assert text_of(gallium[5]) == "90.0% → 90.0%" and 'class="flag"' in gallium[5]  # concern share above 50%
    assert text_of(gallium[7]) == "0.5" and 'class="flag"' in gallium[7]  # shortfall
    assert text_of(wafer[2]) == "10.0% → 0.0%"  # direct dependency ...
    assert text_of(wafer[4]) == "50.0% → 28.7%" and 'class="warn"' in wafer[4]  # ... and look-through beside it
    assert text_of(poly[4]) == "–"  # no inputs
    assert text_of(poly[8]) == "US 50 (cost 100)"
    assert text_of(poly[1]) == "CN 85.7%DE 14.3%"  # one supplier per line
    assert [text_of(cells[10]) for cells in (gallium, poly, wafer)] == ["shortfall", "capacity", "nothing"]


def csv_rows(report: ExposureReport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render(report, "csv"))))


@pytest.mark.parametrize("which", ["small", "generated"])
def test_csv_matches_json_and_adds_up(which: str, request: pytest.FixtureRequest) -> None:
    report: ExposureReport = request.getfixturevalue(which)
    document = json.loads(render(report, "json"))
    rows = csv_rows(report)
    assert rows and tuple(rows[0]) == COLUMNS
    seen: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        item = document["items"][row["item"]]
        supplier = item["sourcing"][row["country"]]
        case = row["case"]
        assert float(row["amount"]) == supplier[case]
        assert float(row["share"]) == supplier[f"share_{case}"]
        assert float(row["available"]) == supplier["available"]
        assert row["group"] == supplier["group"] == document["countries"][row["country"]]["group"]
        assert float(row["requirement"]) == item["requirement"]
        assert row["unit"] == item["unit"] and row["sector"] == item["sector"] and row["item_name"] == item["name"]
        assert float(row["item_shortfall"]) == item["shortfall"][case]
        expansion = item["expansion"].get(row["country"], {"amount": 0.0, "cost": 0.0})
        if case == "optimised":
            assert float(row["expansion"]) == expansion["amount"]
            assert float(row["expansion_cost"]) == expansion["cost"]
        else:
            assert float(row["expansion"]) == float(row["expansion_cost"]) == 0.0
        seen[(row["item"], case)].append(row)
    active = [i for i, item in document["items"].items() if item["dependency"] is not None]
    assert {item for item, _ in seen} == set(active)  # items with T = 0 have no rows
    for (item_id, case), item_rows in seen.items():
        item = document["items"][item_id]
        assert len(item_rows) == len(item["sourcing"])  # one row per item x country x case
        sourced = sum(float(r["amount"]) for r in item_rows)
        assert sourced == pytest.approx(sum(s[case] for s in item["sourcing"].values()), rel=1e-9, abs=1e-9)
        shortfall = float(item_rows[0]["item_shortfall"])
        # today: sourced + shortfall = T; under the membership less is needed when a user item is short
        unneeded = item["split"][case]["unneeded"]
        assert case == "optimised" or unneeded == 0.0
        assert sourced + shortfall == pytest.approx(item["requirement"] * (1 - unneeded), rel=1e-9)
        if shortfall == 0 and unneeded == 0:
            assert sum(float(r["share"]) for r in item_rows) == pytest.approx(1.0, abs=1e-9)


def test_csv_baseline_of_the_small_scenario(small: ExposureReport) -> None:
    # polysilicon today: CN 300 * 4/7, DE 50 * 4/7, US 0 (it can only expand, as a member)
    rows = {(r["case"], r["item"], r["country"]): r for r in csv_rows(small)}
    assert float(rows[("baseline", "polysilicon", "CN")]["amount"]) == pytest.approx(1200 / 7)
    assert float(rows[("baseline", "polysilicon", "US")]["amount"]) == 0.0
    assert float(rows[("optimised", "polysilicon", "US")]["expansion_cost"]) == pytest.approx(100.0)
    assert rows[("baseline", "wafer", "JP")]["unit"] == "kwafer"


def test_json_holds_the_summary_as_written(small: ExposureReport) -> None:
    document = json.loads(render(small, "json"))
    assert (
        document["summary_text"][1]
        == "Overall risk-weighted dependency falls from 65.2% to 50.8%: 14.3 points removed."
    )
    assert any("Gallium (90.0%)" in sentence for sentence in document["summary_text"])
    assert document["summary"]["crma_flagged"] == {"baseline": ["polysilicon", "gallium"], "optimised": ["gallium"]}


def test_markdown_links_charts_written_beside_it(small: ExposureReport, tmp_path: Path) -> None:
    output = tmp_path / "exposure.md"
    written = write_report(small, "md", output)
    text = output.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links and len(links) == len(written) - 1
    for link in links:
        assert link.startswith("exposure_files/") and link.endswith(".svg")
        svg = (tmp_path / link).read_text(encoding="utf-8")
        assert "<svg" in svg and "<metadata>" not in svg
    assert written[-1] == output  # the .md comes last, after its charts
    for item in small.items.values():
        assert item.name in text
    assert "Report test \\<small\\> & co" in text  # Markdown-escaped, so no raw HTML tag


def test_markdown_table_cells_cannot_be_broken_by_scenario_text(tmp_path: Path) -> None:
    yaml_text = SMALL.read_text(encoding="utf-8").replace("name: Gallium", "name: 'Gallium | raw *ore*'")
    path = tmp_path / "pipes.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    text = render(build_report(load_scenario(path), "bloc", date=DATE), "md")
    row = next(line for line in text.splitlines() if line.startswith("| Gallium"))
    assert row.startswith("| Gallium \\| raw \\*ore\\* (`gallium`) |")
    header = next(line for line in text.splitlines() if line.startswith("| Item |"))
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    assert len(cells) == len(re.split(r"(?<!\\)\|", header.strip())[1:-1]) == 12


@pytest.mark.parametrize("format", ["json", "csv", "html", "md"])
def test_same_input_same_bytes(format: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outputs = []
    for n in range(2):
        report = build_report(load_scenario(SMALL), "bloc")
        target = tmp_path / str(n) / f"report.{format}"
        files = write_report(report, format, target)  # type: ignore[arg-type]
        outputs.append([f.read_bytes() for f in files])
    assert outputs[0] == outputs[1]
    if format != "csv":  # the CSV carries no date
        assert b"2026-01-01" in outputs[0][-1]


def test_failed_render_leaves_the_existing_file_and_no_temporary(
    small: ExposureReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "report.html"
    output.write_text("previous report", encoding="utf-8")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("renderer failed half-way")

    monkeypatch.setattr("paxmodel.outputs.report.html.render_html", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        write_report(small, "html", output)
    assert output.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_failed_write_leaves_the_existing_file_and_no_temporary(
    small: ExposureReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "report.csv"
    output.write_text("previous report", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_report(small, "csv", output)
    assert output.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_formats_with_charts_need_matplotlib(
    small: ExposureReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    for format in ("md", "html"):
        with pytest.raises(ChartsUnavailable, match=re.escape("pip install 'paxmodel[report]'")):
            check_format(format)
        with pytest.raises(ChartsUnavailable):
            write_report(small, format, tmp_path / f"report.{format}")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    for format in ("csv", "json"):
        assert write_report(small, format, tmp_path / f"report.{format}")[0].stat().st_size > 0  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown report format"):
        check_format("pdf")


def test_shortfall_is_in_a_sectors_legend_only_when_an_item_is_short(small: ExposureReport) -> None:
    from paxmodel.outputs.report.charts import sourcing_split_chart

    seen = set()
    for sector in small.sectors:
        short = any(
            row.split is not None and row.split[case].shortfall > 0
            for row in small.sector_items(sector)
            for case in ("baseline", "optimised")
        )
        assert (">shortfall</text>" in sourcing_split_chart(small, sector).svg) == short
        seen.add(short)
    assert seen == {True, False}  # the small report has a sector of each kind
