"""The JSON API of `paxmodel serve` over HTTP: the bytes of the command line's --json, its error
messages for bad parameters, and safety under concurrent and oversized requests."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from serving import BUNDLED, SHOCKS, LiveServer, start_server
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.scenario.load import load_scenario
from paxmodel.serve.workbench import MAX_INVITE, Busy, Configuration, Workbench

LOADED = load_scenario(BUNDLED)
SCENARIO_BYTES = hashlib.sha256(Path(BUNDLED).read_bytes()).hexdigest()


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str) -> bytes:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return out.encode()


RUNS = [
    ("", ("run", BUNDLED)),
    ("?membership=signatories_2026", ("run", BUNDLED, "--membership", "signatories_2026")),
    ("?members=US,JP", ("run", BUNDLED, "--members", "US,JP")),
    ("?members=IN,US,JP,US", ("run", BUNDLED, "--members", "IN,US,JP,US")),
    ("?members=", ("run", BUNDLED, "--membership", "none")),  # nobody: the empty membership
]


@pytest.mark.parametrize(("query", "command"), RUNS, ids=[q or "default" for q, _ in RUNS])
def test_run_is_the_bytes_of_paxmodel_run_json(live: LiveServer, query: str, command: tuple[str, ...]) -> None:
    status, body = live.get(f"/api/run{query}")
    assert status == 200
    assert body == cli_json(*command)


def test_set_overrides_are_the_bytes_of_the_command_with_set(live: LiveServer) -> None:
    sets = ("settings.budget=8000", "settings.max_single_share=0.8", "countries.IN.risk=0.2")
    status, body = live.get("/api/run?members=US,JP,IN&" + "&".join(f"set={quote(text)}" for text in sets))
    assert status == 200
    assert body == cli_json("run", BUNDLED, "--members", "US,JP,IN", *(a for text in sets for a in ("--set", text)))
    plain = json.loads(live.get("/api/run?members=US,JP,IN")[1])
    assert json.loads(body)["overall"] != plain["overall"]  # the overrides did change the answer


def test_compare_is_the_bytes_of_paxmodel_compare_json(live: LiveServer) -> None:
    assert live.get("/api/compare") == (200, cli_json("compare", BUNDLED))
    two = ("founding_2025", "none")
    status, body = live.get("/api/compare?" + "&".join(f"membership={name}" for name in two))
    assert status == 200
    assert body == cli_json("compare", BUNDLED, *(arg for name in two for arg in ("--membership", name)))


def test_invite_is_the_bytes_of_paxmodel_invite_json(live: LiveServer) -> None:
    status, body = live.get("/api/invite?base=founding_2025&max_new=2&frontier=1")
    assert status == 200
    assert body == cli_json("invite", BUNDLED, "--base", "founding_2025", "--max-new", "2", "--frontier")
    # an ad-hoc base (the page's case) gives the same choice as the named membership with those members
    members = ",".join(LOADED.memberships["founding_2025"])
    ad_hoc = json.loads(live.get(f"/api/invite?members={members}&max_new=2&frontier=1")[1])
    named = json.loads(body)
    assert ad_hoc["base"] == "custom"
    assert {k: v for k, v in ad_hoc.items() if k != "base"} == {k: v for k, v in named.items() if k != "base"}


# (query, the command line that makes the same mistake): the error text must be what it prints
SAME_MISTAKES = [
    ("/api/run?members=US,XX", ("run", BUNDLED, "--members", "US,XX")),
    ("/api/run?members=US,CN", ("run", BUNDLED, "--members", "US,CN")),
    ("/api/run?membership=signatories", ("run", BUNDLED, "--membership", "signatories")),
    ("/api/compare?membership=nope", ("compare", BUNDLED, "--membership", "nope")),
    ("/api/invite?base=founding_2025&max_new=-1", ("invite", BUNDLED, "--base", "founding_2025", "--max-new", "-1")),
    ("/api/run?set=settings.budget=-5", ("run", BUNDLED, "--set", "settings.budget=-5")),
    ("/api/run?set=settings.budget", ("run", BUNDLED, "--set", "settings.budget")),
    (
        "/api/run?set=colour=red&set=settings.max_single_share=lots",
        ("run", BUNDLED, "--set", "colour=red", "--set", "settings.max_single_share=lots"),
    ),
    (
        "/api/invite?base=founding_2025&max_new=1&candidates=US",
        ("invite", BUNDLED, "-b", "founding_2025", "-k", "1", "--candidates", "US"),
    ),
]


@pytest.mark.parametrize(("query", "command"), SAME_MISTAKES, ids=[q for q, _ in SAME_MISTAKES])
def test_bad_parameters_get_400_with_the_command_lines_message(
    live: LiveServer, query: str, command: tuple[str, ...]
) -> None:
    status, body = live.get(query)
    code, out, err = cli(*command)
    assert code == 1 and out == ""
    assert status == 400
    assert json.loads(body) == {"error": err.rstrip("\n")}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("/api/run?members=US&membership=founding_2025", "error: give membership or members, not both"),
        ("/api/invite?base=founding_2025&members=US&max_new=1", "error: give base or members, not both"),
        ("/api/run?colour=red", "error: unknown parameter 'colour' (known: members, membership, set)"),
        ("/api/run?members=US&members=JP", "error: members: give it once"),
        ("/api/invite?base=founding_2025", "error: max_new: required"),
        ("/api/invite?base=founding_2025&max_new=two", "error: max_new: 'two' is not a whole number"),
        (
            f"/api/invite?base=founding_2025&max_new={MAX_INVITE + 1}",
            f"error: max_new: the server solves the invite MILP for at most {MAX_INVITE} new members",
        ),
        ("/api/invite?base=founding_2025&max_new=1&frontier=maybe", "error: frontier: 'maybe' is not 1/0/true/false"),
    ],
)
def test_other_bad_parameters_get_400_and_say_which(live: LiveServer, query: str, message: str) -> None:
    assert live.get(query) == (400, (json.dumps({"error": message}, indent=2) + "\n").encode())


def test_oversized_requests_are_refused(live: LiveServer) -> None:
    status, body = live.get("/api/run?members=" + ",".join(["US"] * 2000))
    assert status == 414
    assert json.loads(body)["error"].startswith("error: query string longer than")
    status, _ = live.get("/api/run?" + "&".join(f"set={quote('settings.budget=1')}" for _ in range(17)))
    assert status == 400


def test_concurrent_requests_get_the_answers_they_would_get_alone(live: LiveServer) -> None:
    eligible = sorted(code for code, country in LOADED.scenario.countries.items() if not country.concern)
    queries = [f"/api/run?members={','.join(eligible[n : n + 5])}" for n in range(0, 30, 3)]
    queries += ["/api/run?membership=signatories_2026&set=settings.budget=1000", "/api/compare"]
    alone = {query: live.get(query) for query in queries}
    assert all(status == 200 for status, _ in alone.values())
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(live.get, queries * 4))
    assert together == [alone[query] for query in queries * 4]
    # and the answers differ where the configurations do (nothing answered for the wrong request)
    assert len({body for _, body in alone.values()}) == len(queries)


def test_a_request_that_cannot_get_the_solver_in_time_is_refused() -> None:
    workbench = Workbench(BUNDLED, wait_seconds=0.2)
    server, thread, url = start_server(workbench)
    try:
        busy = LiveServer(url, workbench)
        with workbench.solving():  # someone else holds the engine
            status, body = busy.get("/api/run?members=US")
        assert status == 503
        assert "busy" in json.loads(body)["error"]
        assert busy.get("/api/run?members=US")[0] == 200  # and it recovers once the engine is free
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_page_and_static_files_are_served_from_here(live: LiveServer) -> None:
    status, page = live.get("/")
    assert status == 200
    text = page.decode()
    assert 'src="/static/app.js"' in text and 'href="/static/app.css"' in text
    assert "http://" not in text and "https://" not in text  # nothing from elsewhere
    for name in ("app.js", "app.css"):
        status, body = live.get(f"/static/{name}")
        assert status == 200 and b"https://" not in body and b"http://" not in body
    assert live.get("/static/../workbench.py")[0] == 404


def test_the_scenario_file_is_never_written(live: LiveServer) -> None:
    for query in ("/api/run?members=US", "/api/run?set=settings.budget=1", "/api/report?members=US&samples=0"):
        assert live.get(query)[0] == 200
    assert hashlib.sha256(Path(BUNDLED).read_bytes()).hexdigest() == SCENARIO_BYTES


def test_serve_get_prints_the_answer_without_a_server() -> None:
    code, out, _ = cli("serve", BUNDLED, "--get", "/api/run?members=US,JP")
    assert code == 0
    assert out.encode() == cli_json("run", BUNDLED, "--members", "US,JP")
    code, out, _ = cli("serve", BUNDLED, "--get", "/api/run?members=XX")
    assert code == 1
    assert json.loads(out) == {"error": "error: unknown country 'XX'"}


def test_serve_warns_when_listening_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    code, _, err = cli("serve", BUNDLED, "--host", "0.0.0.0", "--port", "9999")
    assert code == 0
    assert "warning: listening on 0.0.0.0" in err
    assert calls[0]["host"] == "0.0.0.0" and calls[0]["port"] == 9999
    code, _, err = cli("serve", BUNDLED)
    assert "warning" not in err
    assert calls[1]["host"] == "127.0.0.1"


def test_serve_rejects_a_bad_scenario_before_listening(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("paxmodel: 1\nname: x\nsettings: {budget: -1}\n", encoding="utf-8")
    code, _, err = cli("serve", str(bad))
    assert code == 1
    assert f"{bad}:3:" in err and "settings.budget" in err


def test_an_invite_that_takes_too_long_is_stopped_and_refused() -> None:
    workbench = Workbench(BUNDLED, slow_seconds=0.001)
    try:
        with pytest.raises(Busy, match=r"took longer than 0\.001 s and was stopped"):
            workbench.invite(Configuration(membership="founding_2025"), 3, None, True)
        assert workbench._pool is None  # the worker was killed, not left solving
        workbench.slow_seconds = 60
        answer = workbench.invite(Configuration(membership="founding_2025"), 1, None, False)
        assert answer == json.loads(cli_json("invite", BUNDLED, "--base", "founding_2025", "--max-new", "1"))
    finally:
        workbench.close()


def test_stress_is_the_bytes_of_paxmodel_stress_json(live_shocks: LiveServer) -> None:
    status, body = live_shocks.get("/api/stress?members=US,JP&shock=embargo&shock=al_half")
    assert status == 200
    assert body == cli_json("stress", SHOCKS, "--members", "US,JP", "--shock", "embargo", "--shock", "al_half")
    assert live_shocks.get("/api/stress?membership=founding&membership=wide") == (
        200,
        cli_json("stress", SHOCKS, "--membership", "founding", "--membership", "wide"),
    )
    status, body = live_shocks.get("/api/stress?members=US&shock=quake")
    code, _, err = cli("stress", SHOCKS, "--members", "US", "--shock", "quake")
    assert (status, code) == (400, 1)
    assert json.loads(body) == {"error": err.rstrip("\n")}


def test_report_takes_samples_and_seed_as_the_command_does(live_shocks: LiveServer, tmp_path: Path) -> None:
    status, body = live_shocks.get("/api/report?membership=founding")
    assert status == 200
    cli("report", SHOCKS, "--membership", "founding", "--output", str(tmp_path / "cli.html"))
    assert body == (tmp_path / "cli.html").read_bytes()
    # that scenario gives no ranges: asking for samples is a mistake, as on the command line
    status, body = live_shocks.get("/api/report?membership=founding&samples=10")
    assert status == 400
    assert json.loads(body) == {"error": "error: samples: the scenario gives no ranges to sample"}
    assert live_shocks.get("/api/report?membership=founding&seed=-1")[0] == 400
