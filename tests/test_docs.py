"""Every `$ paxmodel ...` example in README.md and docs/ is run and its output compared, so
the docs never drift from what the tool prints.

Conventions in the Markdown (see docs/cli.md):
- a ```console block is a shell session: `$ ` lines are commands (run by bash, one at a time,
  `$?` being the previous command's status), the lines up to the next command are its output
  (stdout and stderr together);
- an output line `...` (or `...text...`) stands for any number of lines;
- `<!-- file: NAME -->` just before a code block writes the block to NAME first;
- `<!-- doctest: skip -->` just before a block leaves it out (say why beside it).
Commands run in a scratch directory that links scenarios/, docs/ and tests/, with a fixed
terminal width (COLUMNS=110) and a pinned report date. Version numbers of HiGHS and PuLP are
masked.

`python tests/test_docs.py --update` rewrites the expected output of every block without `...`
lines in place (then read the diff before committing).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ELISION = re.compile(r"^\.\.\.(.*\.\.\.)?$")
MARKER = re.compile(r"^<!-- (file|doctest): (.+?) -->$")
VERSIONS = [
    (re.compile(r"HiGHS \d+\.\d+\.\d+"), "HiGHS X.Y.Z"),
    (re.compile(r"PuLP \d+\.\d+\.\d+"), "PuLP X.Y.Z"),
]


@dataclass
class Command:
    line: str  # the command, without "$ "
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    doc: Path
    start: int  # 0-based index of the first line inside the fence
    end: int  # index of the closing fence
    kind: str  # "console" or the fence's language
    text: str
    file: str | None = None  # <!-- file: NAME -->
    skip: bool = False

    @property
    def commands(self) -> list[Command]:
        commands: list[Command] = []
        for line in self.text.splitlines():
            if line.startswith("$ "):
                commands.append(Command(line[2:]))
            elif commands:
                commands[-1].expected.append(line)
        return commands

    @property
    def label(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.start}"


def blocks_of(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```") and len(line) > 3:
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            block = Block(doc, index + 1, end, line[3:].strip(), "\n".join(lines[index + 1 : end]))
            back = index - 1
            while back >= 0 and (match := MARKER.match(lines[back].strip())):
                if match[1] == "file":
                    block.file = match[2]
                elif match[2].startswith("skip"):
                    block.skip = True
                back -= 1
            blocks.append(block)
            index = end + 1
        else:
            index += 1
    return blocks


def sessions() -> list[list[Block]]:
    """Per document: its file blocks and console blocks, in order (a session shares one directory)."""
    return [
        [b for b in blocks_of(doc) if not b.skip and (b.file or (b.kind == "console" and b.commands))] for doc in DOCS
    ]


def masked(text: str) -> str:
    for pattern, replacement in VERSIONS:
        text = pattern.sub(replacement, text)
    return text


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where an elision line matches any number of lines."""
    if not expected:
        return not actual
    head, *rest = expected
    if ELISION.match(head):
        return any(matches(rest, actual[start:]) for start in range(len(actual) + 1))
    return bool(actual) and masked(head.rstrip()) == masked(actual[0].rstrip()) and matches(rest, actual[1:])


def scratch(tmp: Path) -> Path:
    for name in ("scenarios", "docs", "tests"):
        (tmp / name).symlink_to(ROOT / name)
    return tmp


def environment() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "COLUMNS": "110",
        "LINES": "50",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "SOURCE_DATE_EPOCH": "1764547200",
        "PYTHONHASHSEED": "0",
    }
    return env


def run_session(blocks: list[Block], cwd: Path) -> list[tuple[Block, Command, list[str]]]:
    """Run every block of one document in order; return (block, command, actual output lines)."""
    results = []
    status = 0
    env = environment()
    for block in blocks:
        if block.file:
            target = cwd / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text + "\n", encoding="utf-8")
            continue
        for command in block.commands:
            done = subprocess.run(
                ["bash", "-c", f"(exit {status}); {command.line}"],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            status = done.returncode
            results.append((block, command, done.stdout.rstrip("\n").splitlines()))
    return results


@pytest.mark.parametrize("doc_blocks", sessions(), ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_examples_match_real_output(doc_blocks: list[Block], tmp_path: Path) -> None:
    failures = []
    for block, command, actual in run_session(doc_blocks, scratch(tmp_path)):
        if not matches(command.expected, actual):
            failures.append(
                f"{block.label}: $ {command.line}\n--- documented\n"
                + "\n".join(command.expected)
                + "\n--- actual\n"
                + "\n".join(actual)
            )
    assert not failures, "\n\n".join(failures)


def update() -> None:
    """Rewrite the documented output of every elision-free block with what the commands print."""
    import tempfile

    for doc_blocks in sessions():
        if not doc_blocks:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results = run_session(doc_blocks, scratch(Path(tmp)))
        doc = doc_blocks[0].doc
        lines = doc.read_text(encoding="utf-8").splitlines()
        by_block: dict[int, list[tuple[Command, list[str]]]] = {}
        starts: dict[int, Block] = {}
        for block, command, actual in results:
            by_block.setdefault(block.start, []).append((command, actual))
            starts[block.start] = block
        for start in sorted(by_block, reverse=True):
            block, pairs = starts[start], by_block[start]
            if any(ELISION.match(line) for command, _ in pairs for line in command.expected):
                if not all(matches(command.expected, actual) for command, actual in pairs):
                    print(f"{block.label}: has '...' lines and differs; update it by hand")
                continue
            new = [text.rstrip() for command, actual in pairs for text in (f"$ {command.line}", *actual)]
            lines[block.start : block.end] = new
        doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"updated {doc.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        sys.exit("usage: python tests/test_docs.py --update")
