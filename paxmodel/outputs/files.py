"""Writing results: canonical JSON text and the one output writer every command uses.

What the writer does with each kind of output path (docs/cli.md, "Output files"):

- a new or existing regular file is replaced atomically: the content goes to a hidden
  temporary file beside it, which is renamed over it once complete. An existing file keeps
  its permission bits (and, when running as root, its owner); a new one gets 0666 less the
  umask, as `open(path, "w")` would give;
- a symbolic link is followed: the file it points to is replaced, the link stays a link;
- a device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is written into, as a
  stream: it is never replaced by a regular file (atomicity does not apply to a stream);
- a directory, a symlink loop, or an input of this run (the scenario or a file it extends,
  also under another name or through a link) is refused with a one-line error before
  anything is written;
- several files written together (a Markdown report and its charts) are all completed
  before the first is renamed into place, so a failure leaves every old file as it was;
- on any error, Ctrl-C or SIGTERM, temporary files are removed.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Content = str | bytes


class OutputError(OSError):
    """An output path that cannot or must not be written (one clear line for the user)."""


def json_text(document: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, trailing newline, no NaN."""
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


# (device, inode) of the files this process read as input: never overwritten by an output.
_inputs: dict[tuple[int, int], str] = {}


def protect_inputs(paths: Iterable[str | Path]) -> None:
    """Remember `paths` as inputs of this run: writing an output over one of them (by any name,
    hard link or symlink) is refused."""
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        _inputs[(info.st_dev, info.st_ino)] = str(path)


def write_atomic(path: str | Path, content: Content) -> Path:
    """Write `content` to `path` as described in the module docstring; returns `path`."""
    return write_files({Path(path): content})[0]


@dataclass
class _Plan:
    path: Path  # as given
    target: Path  # the file actually written (symlinks followed)
    stream: bool  # a device, FIFO or socket: written into, not replaced
    mode: int | None  # permission bits to keep (None: a new file)
    owner: tuple[int, int] | None  # (uid, gid) to keep when running as root
    temporary: Path | None = None


def write_files(contents: Mapping[Path, Content]) -> list[Path]:
    """Write every file of `contents` together: all or (on error) none is replaced."""
    plans = [_plan(Path(path)) for path in contents]
    current = plans[0].path if plans else Path()
    with _termination_as_exit():
        try:
            for plan, content in zip(plans, contents.values(), strict=True):
                current = plan.path
                data = content.encode("utf-8") if isinstance(content, str) else content
                if plan.stream:
                    _write_stream(plan, data)
                else:
                    _write_temporary(plan, data)
            for plan in plans:
                current = plan.path
                if plan.temporary is not None:
                    os.replace(plan.temporary, plan.target)
                    plan.temporary = None
        except OSError as exc:
            raise OutputError(f"cannot write {current}: {exc.strerror or exc}") from None
        finally:
            for plan in plans:
                if plan.temporary is not None:
                    plan.temporary.unlink(missing_ok=True)
    return [plan.path for plan in plans]


def _plan(path: Path) -> _Plan:
    """Check `path` and decide how to write it (nothing is written yet)."""
    try:
        info = os.stat(path) if os.path.lexists(path) else None  # follows links; a loop fails here
        target = Path(os.path.realpath(path))
        if info is None:
            target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if info is None:
        return _Plan(path, target, stream=False, mode=None, owner=None)
    if (info.st_dev, info.st_ino) in _inputs:
        raise OutputError(
            f"refusing to write {path}: it is an input of this run ({_inputs[(info.st_dev, info.st_ino)]}); "
            "choose another output file"
        )
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory; give a file name")
    if not stat.S_ISREG(info.st_mode):
        return _Plan(path, path, stream=True, mode=None, owner=None)
    return _Plan(path, target, stream=False, mode=stat.S_IMODE(info.st_mode), owner=(info.st_uid, info.st_gid))


def _write_temporary(plan: _Plan, data: bytes) -> None:
    target = plan.target
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    plan.temporary = Path(name)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(name, plan.mode if plan.mode is not None else _default_mode())
    if plan.owner is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(name, *plan.owner)


def _write_stream(plan: _Plan, data: bytes) -> None:
    """Write into a device, FIFO or socket as it is (e.g. /dev/null, /dev/stdout)."""
    with open(plan.target, "wb", buffering=0) as stream:
        view = memoryview(data)
        while view:
            written = stream.write(view)
            if not written:
                raise OSError(28, "no space left on device")
            view = view[written:]


@contextmanager
def _termination_as_exit() -> Iterator[None]:
    """While writing, SIGTERM raises SystemExit(143) (as Ctrl-C raises KeyboardInterrupt), so
    the clean-up above removes temporary files instead of leaving them behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _default_mode() -> int:
    """0666 less the process umask: the mode `open(path, "w")` would have given."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
