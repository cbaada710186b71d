"""Fixtures of the serve tests: a live server and a real Chromium (see serving.py).

Chromium is Debian's (`apt-get install -y chromium`, which .ci/run does); Playwright's own
browser download is not used. A missing browser fails the tests: they are never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from serving import BUNDLED, CHROMIUM, CHROMIUM_ARGS, SHOCKS, LiveServer, start_server, wait_for_update

from paxmodel.serve.workbench import Workbench


@contextmanager
def serving(path: str) -> Iterator[LiveServer]:
    workbench = Workbench(path)
    server, thread, url = start_server(workbench)
    yield LiveServer(url, workbench)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    """The bundled scenario, served."""
    with serving(BUNDLED) as server:
        yield server


@pytest.fixture(scope="session")
def live_shocks() -> Iterator[LiveServer]:
    """A small scenario with shocks, served."""
    with serving(SHOCKS) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set PAXMODEL_CHROMIUM)")
    with sync_playwright() as playwright:
        # Playwright gives every launch a new, empty profile directory of its own.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def opened(browser: Browser, live: LiveServer) -> Iterator[Page]:
    """The page, loaded, with its first answer on screen; every request it makes is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(live.url + "/")
    wait_for_update(page, 0)
    yield page
    context.close()
    outside = [url for url in requests if not url.startswith(live.url + "/")]
    assert not outside, f"the page asked for something the server does not serve: {outside}"
    assert not problems, f"the page reported errors: {problems}"


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    """The page of the bundled scenario."""
    with opened(browser, live) as loaded:
        yield loaded


@pytest.fixture
def shocks_page(browser: Browser, live_shocks: LiveServer) -> Iterator[Page]:
    """The page of the small scenario with shocks."""
    with opened(browser, live_shocks) as loaded:
        yield loaded
