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
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_json_text_is_canonical() -> None:
    text = json_text({"b": 1.0, "a": {"z": 2, "y": [3]}})
    assert text == json_text({"a": {"y": [3], "z": 2}, "b": 1.0})
    assert text.endswith("\n") and list(json.loads(text)) == ["a", "b"]
    with pytest.raises(ValueError):
        json_text({"x": float("nan")})
