"""Writing results: canonical JSON text and atomic file replacement."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def json_text(document: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, trailing newline, no NaN."""
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write `content` to a temporary file beside `path`, then rename it over `path`.

    An existing file is replaced only once the new one is complete; on any error the
    temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _default_mode())  # mkstemp makes 0600; results are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _default_mode() -> int:
    """0666 less the process umask: the mode `open(path, "w")` would have given."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
