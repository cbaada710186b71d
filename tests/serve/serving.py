"""Helpers of the serve tests: a live `paxmodel serve` (uvicorn in a thread, on a free port), and
reading the page that a real Chromium shows.

Chromium is Debian's (`apt-get install -y chromium`, which .ci/run does); Playwright's own
browser download is not used. A missing browser fails the tests: they are never skipped.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from playwright.sync_api import Page

from paxmodel.serve.app import create_app
from paxmodel.serve.workbench import Workbench

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = str(ROOT / "scenarios" / "pax_silica_2026.yaml")
SHOCKS = str(ROOT / "tests" / "data" / "small.yaml")  # has shocks and stockpiles
CHROMIUM = os.environ.get("PAXMODEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    workbench: Workbench

    def get(self, target: str) -> tuple[int, bytes]:
        """(status, body) of GET `target` over HTTP."""
        try:
            with urllib.request.urlopen(self.url + target, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def start_server(workbench: Workbench) -> tuple[uvicorn.Server, threading.Thread, str]:
    config = uvicorn.Config(create_app(workbench), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def runs(page: Page) -> int:
    """How many configurations the page has shown so far."""
    return int(page.evaluate("document.documentElement.dataset.runs || '0'"))


def wait_for_update(page: Page, before: int) -> None:
    """Wait until the page has shown an answer newer than the `before`-th and is idle."""
    page.wait_for_function(
        "n => Number(document.documentElement.dataset.runs || 0) > n && document.documentElement.dataset.busy === '0'",
        arg=before,
        timeout=15_000,
    )


def headline(page: Page) -> dict[str, str]:
    return {
        name: page.locator(f'[data-metric="{name}"]').inner_text()
        for name in ("overall-baseline", "overall-optimised", "overall-removed", "concern-share")
    }
