"""Atomic writing and canonical JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from paxmodel.outputs import files
from paxmodel.outputs.files import json_text, write_atomic


def test_write_atomic_gives_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "out.json", "{}\n")
    finally:
        os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def broken_replace(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(files.OutputError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_json_text_is_canonical() -> None:
    text = json_text({"b": 1.0, "a": {"z": 2, "y": [3]}})
    assert text == json_text({"a": {"y": [3], "z": 2}, "b": 1.0})
    assert text.endswith("\n") and list(json.loads(text)) == ["a", "b"]
    with pytest.raises(ValueError):
        json_text({"x": float("nan")})


# --- the output writer on hostile paths (module docstring of paxmodel.outputs.files) ---

SMALL = Path(__file__).parents[1] / "data" / "small.yaml"


@pytest.fixture(autouse=True)
def no_protected_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_inputs", {})


def test_output_that_is_an_input_is_refused_by_any_name(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("original")
    os.link(scenario, tmp_path / "hard.yaml")
    (tmp_path / "soft.yaml").symlink_to("s.yaml")
    files.protect_inputs([scenario])
    for name in ("s.yaml", "hard.yaml", "soft.yaml", "./s.yaml"):
        with pytest.raises(files.OutputError, match="is an input of this run"):
            write_atomic(tmp_path / name, "results")
    assert scenario.read_text() == "original"


def test_directory_output_is_refused_without_naming_a_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(files.OutputError) as caught:
        write_atomic(tmp_path, "x")
    assert "is a directory" in str(caught.value) and ".tmp" not in str(caught.value)


def test_existing_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "secret.json"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o600


def test_symlinked_output_replaces_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "out.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]


def test_symlink_loop_output_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(files.OutputError, match="symbolic links"):
        write_atomic(tmp_path / "a", "x")


def test_fifo_output_is_written_into_not_replaced(tmp_path: Path) -> None:
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "streamed\n")
    reader.join(timeout=30)
    assert received == [b"streamed\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_files_written_together_are_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart, report = tmp_path / "r_files" / "chart.svg", tmp_path / "r.md"
    chart.parent.mkdir()
    chart.write_text("old chart")
    report.write_text("old report")
    real_fsync = os.fsync
    calls = []

    def fsync_failing_the_second_time(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync_failing_the_second_time)
    with pytest.raises(files.OutputError, match=r"cannot write .*r\.md: No space left"):
        files.write_files({chart: "new chart", report: "new report"})
    assert chart.read_text() == "old chart" and report.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["chart.svg", "r.md", "r_files"]


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    target = tmp_path / "out.json"
    target.write_text("old")
    real_fsync = os.fsync

    def terminated(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the temporary file exists
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", terminated)
    with pytest.raises(SystemExit) as caught:
        write_atomic(target, "new")
    assert caught.value.code == 128 + signal.SIGTERM
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{s}", "-o", "{s}"],
        ["run", "{child}", "-o", "{s}"],
        ["compare", "{s}", "-q", "-o", "{s}"],
        ["report", "{s}", "-f", "json", "-o", "{s}"],
        ["report", "{child}", "-f", "csv", "-o", "{s}"],
    ],
)
def test_cli_refuses_to_overwrite_the_scenario_or_a_parent(args: list[str], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from paxmodel.cli import app

    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(SMALL.read_bytes())
    child = tmp_path / "child.yaml"
    child.write_text("extends: s.yaml\nname: Child\n")
    before = scenario.read_bytes()
    result = CliRunner().invoke(app, [a.format(s=scenario, child=child) for a in args])
    assert result.exit_code == 1, result.output
    assert "is an input of this run" in result.output
    assert scenario.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child.yaml", "s.yaml"]
