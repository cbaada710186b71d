"""paxmodel serve: the live what-if page."""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer

from paxmodel.cli.common import ScenarioFile, app, fail, user_errors

LOOPBACK = "127.0.0.1"


@app.command()
def serve(
    path: ScenarioFile,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")] = LOOPBACK,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8765,
    get: Annotated[
        str | None,
        typer.Option("--get", help="Answer one GET of this path (e.g. '/api/run?members=US,JP'), print it, exit."),
    ] = None,
) -> None:
    """Serve a what-if page and a JSON API for one scenario (Ctrl-C stops; the file is only read)."""
    try:
        import uvicorn

        from paxmodel.serve.app import create_app
        from paxmodel.serve.workbench import Workbench
    except ImportError as exc:
        raise fail(
            f"paxmodel serve needs the serve extra ({exc.name} is missing): pip install 'paxmodel[serve]'"
        ) from None
    with user_errors():
        workbench = Workbench(path)
    if get is not None:
        import asyncio

        from paxmodel.serve.app import get_once

        try:
            status, body = asyncio.run(get_once(create_app(workbench), get))
        finally:
            workbench.close()
        sys.stdout.write(body.decode())
        if status >= 400:
            raise typer.Exit(1)
        return
    if not is_loopback(host):
        typer.echo(
            f"warning: listening on {host}: anyone who can reach this address can use the page and the API", err=True
        )
    typer.echo(f"paxmodel serve: {workbench.base.loaded.name} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(create_app(workbench), host=host, port=port, log_level="warning", limit_concurrency=64)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
