"""The ASGI app of `paxmodel serve`: the page, its static files and the JSON API under /api/.

Every API answer is the `--json` document of the matching command, as canonical JSON text
(the same bytes as the command prints). Bad parameters get 400 with the lines the command
line prints for the same mistake; a server too busy to answer in time says 503. Only GET
(and HEAD) is served, query strings are bounded, and nothing is ever written to disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from paxmodel.outputs.files import json_text
from paxmodel.outputs.messages import user_error_lines
from paxmodel.serve.workbench import (
    BadRequest,
    Busy,
    UserError,
    Workbench,
    parse_configuration,
    single,
    split_codes,
)

STATIC = Path(__file__).parent / "static"
MAX_QUERY = 4096  # bytes of query string accepted (a full member list is ~150)

# Parameters each endpoint understands; anything else is a 400, not silently ignored.
PARAMETERS = {
    "run": {"membership", "members", "set"},
    "compare": {"membership", "set"},
    "invite": {"base", "members", "set", "max_new", "candidates", "frontier"},
    "stress": {"membership", "members", "shock", "set"},
    "report": {"membership", "members", "set", "samples", "seed"},
    "scenario": set(),
}
# Content security: the page may load only what this server serves.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def json_response(document: Any, status: int = 200) -> Response:
    return Response(json_text(document), status_code=status, media_type="application/json", headers=HEADERS)


def error_response(status: int, lines: list[str]) -> Response:
    """`error` holds exactly what the command line writes to stderr for the same mistake."""
    return json_response({"error": "\n".join(lines)}, status)


def create_app(workbench: Workbench) -> Starlette:
    """The app serving `workbench` (its scenario is loaded and checked already)."""

    def endpoint(name: str, answer: Callable[[dict[str, list[str]]], Any]) -> Route:
        async def handle(request: Request) -> Response:
            if len(request.url.query.encode()) > MAX_QUERY:
                return error_response(414, [f"error: query string longer than {MAX_QUERY} bytes"])
            params: dict[str, list[str]] = {}
            for key, value in request.query_params.multi_items():
                params.setdefault(key, []).append(value)
            unknown = sorted(set(params) - PARAMETERS[name])
            if unknown:
                known = ", ".join(sorted(PARAMETERS[name])) or "none"
                return error_response(400, [f"error: unknown parameter {unknown[0]!r} (known: {known})"])
            try:
                result = await run_in_threadpool(answer, params)
            except Busy as exc:
                return error_response(503, [f"error: {exc}"])
            except BadRequest as exc:
                return error_response(400, [f"error: {exc}"])
            except UserError as exc:
                return error_response(400, exc.lines)
            except Exception as exc:
                lines = user_error_lines(exc)
                if lines is None:
                    raise
                return error_response(400, lines)
            if isinstance(result, Response):
                return result
            return json_response(result)

        return Route(f"/api/{name}", handle, methods=["GET"])

    def run(params: dict[str, list[str]]) -> Any:
        return workbench.run(parse_configuration(params))

    def compare(params: dict[str, list[str]]) -> Any:
        configuration = parse_configuration({k: v for k, v in params.items() if k != "membership"})
        return workbench.compare(params.get("membership"), configuration.overrides)

    def stress(params: dict[str, list[str]]) -> Any:
        configuration = parse_configuration({k: v for k, v in params.items() if k not in ("membership", "shock")})
        return workbench.stress(params.get("membership"), configuration, params.get("shock"))

    def invite(params: dict[str, list[str]]) -> Any:
        # `base` as on the command line (`paxmodel invite --base NAME`), or an ad-hoc `members` list
        configuration = parse_configuration(params, membership_param="base")
        max_new = whole_number(single(params, "max_new"), "max_new")
        frontier = flag(single(params, "frontier"), "frontier")
        candidates = split_codes(single(params, "candidates"))
        return workbench.invite(configuration, max_new, candidates, frontier)

    def report(params: dict[str, list[str]]) -> Response:
        samples, seed = single(params, "samples"), single(params, "seed")
        configuration = parse_configuration({k: v for k, v in params.items() if k not in ("samples", "seed")})
        name, html = workbench.report(
            configuration,
            None if samples is None else whole_number(samples, "samples"),
            0 if seed is None else whole_number(seed, "seed"),
        )
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(html, media_type="text/html", headers=headers)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=HEADERS)

    routes = [
        Route("/", index, methods=["GET"]),
        endpoint("scenario", lambda params: workbench.scenario()),
        endpoint("run", run),
        endpoint("compare", compare),
        endpoint("invite", invite),
        endpoint("stress", stress),
        endpoint("report", report),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        workbench.close()  # the invite worker process goes with the server

    return Starlette(routes=routes, lifespan=lifespan)


def whole_number(value: str | None, name: str) -> int:
    if value is None:
        raise BadRequest(f"{name}: required")
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not a whole number") from None


def flag(value: str | None, name: str) -> bool:
    if value in (None, "0", "false"):
        return False
    if value in ("", "1", "true"):
        return True
    raise BadRequest(f"{name}: {value!r} is not 1/0/true/false")


async def get_once(app: Starlette, target: str) -> tuple[int, bytes]:
    """(status, body) of one GET of `target` (path and query) answered by `app` in this process.

    What `paxmodel serve --get` prints: the server's answer without a server.
    """
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    status = 500
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)
