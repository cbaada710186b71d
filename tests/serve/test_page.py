"""The what-if page in a real Chromium: what it shows is what `paxmodel run` prints."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page
from serving import BUNDLED, SHOCKS, LiveServer, headline, runs, wait_for_update
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.scenario.load import load_scenario

LOADED = load_scenario(BUNDLED)
FIRST = next(iter(LOADED.memberships))  # what the page opens with
CONCERN = sorted(code for code, country in LOADED.scenario.countries.items() if country.concern)


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_headline(*args: str, scenario: str = BUNDLED) -> dict[str, str]:
    """The overall row of `paxmodel run`'s table, as the page should show it."""
    table = cli("run", scenario, *args)
    row = next(line for line in table.splitlines() if line.startswith("│ overall "))
    _, baseline, optimised, removed, concern = (cell.strip() for cell in row.strip("│").split("│"))
    return {
        "overall-baseline": baseline,
        "overall-optimised": optimised,
        "overall-removed": removed,
        "concern-share": concern,
    }


def members_on_page(page: Page) -> list[str]:
    return sorted(page.eval_on_selector_all("[data-country]:checked", "nodes => nodes.map(n => n.dataset.country)"))


def toggle(page: Page, code: str) -> None:
    before = runs(page)
    page.locator(f'[data-country="{code}"]').click()
    wait_for_update(page, before)


def test_opens_on_the_files_first_membership(page: Page) -> None:
    assert members_on_page(page) == sorted(LOADED.memberships[FIRST])
    assert headline(page) == cli_headline()
    assert page.locator(f'[data-preset="{FIRST}"]').get_attribute("aria-pressed") == "true"
    # concern countries are shown, cannot be ticked, and say why
    for code in CONCERN:
        toggle_box = page.locator(f'[data-country="{code}"]')
        assert toggle_box.is_disabled()
        reason = page.locator(f"#{toggle_box.get_attribute('aria-describedby')}").inner_text()
        assert "concern" in reason


def test_toggling_india_gives_what_paxmodel_run_gives(page: Page) -> None:
    start = sorted(LOADED.memberships[FIRST])
    assert "IN" not in start
    opening = headline(page)
    toggle(page, "IN")
    with_india = ",".join(sorted([*start, "IN"]))
    assert members_on_page(page) == sorted([*start, "IN"])
    assert headline(page) == cli_headline("--members", with_india)
    assert headline(page) != opening
    toggle(page, "IN")
    assert headline(page) == opening == cli_headline("--members", ",".join(start))


def test_keyboard_alone_toggles_a_country(page: Page) -> None:
    page.locator('[data-country="TW"]').focus()
    before = runs(page)
    page.keyboard.press("Space")
    wait_for_update(page, before)
    assert "TW" in members_on_page(page)
    assert headline(page) == cli_headline("--members", ",".join(sorted([*LOADED.memberships[FIRST], "TW"])))


def test_presets_set_the_members_and_the_numbers(page: Page) -> None:
    for name, members in list(LOADED.memberships.items())[1:3]:
        before = runs(page)
        page.locator(f'[data-preset="{name}"]').click()
        wait_for_update(page, before)
        assert members_on_page(page) == sorted(members)
        assert page.locator(f'[data-preset="{name}"]').get_attribute("aria-pressed") == "true"
        assert headline(page) == cli_headline("--membership", name)
    before = runs(page)
    page.locator("#select-none").click()
    wait_for_update(page, before)
    assert members_on_page(page) == []
    assert headline(page) == cli_headline("--membership", "none")


def test_sliders_change_budget_and_share_cap(page: Page) -> None:
    members = ",".join(LOADED.memberships[FIRST])
    before = runs(page)
    page.locator("#budget").fill("0")
    wait_for_update(page, before)
    assert page.locator("#budget-value").inner_text() == "0"
    no_budget = headline(page)
    assert no_budget == cli_headline("--members", members, "--set", "settings.budget=0")
    assert no_budget != cli_headline()  # without money for expansion the bloc removes less
    before = runs(page)
    page.locator("#max-share").fill("0.65")
    wait_for_update(page, before)
    assert page.locator("#max-share-value").inner_text() == "65.0%"
    both = ("--set", "settings.budget=0", "--set", "settings.max_single_share=0.65")
    assert headline(page) == cli_headline("--members", members, *both)
    # the slider by keyboard: one step up from 0
    page.locator("#budget").focus()
    before = runs(page)
    page.keyboard.press("ArrowRight")
    wait_for_update(page, before)
    step = page.locator("#budget").get_attribute("step")
    assert step is not None and float(step) > 0
    assert headline(page) == cli_headline(
        "--members", members, "--set", f"settings.budget={step}", "--set", "settings.max_single_share=0.65"
    )


def test_items_table_sorts_by_any_column(page: Page) -> None:
    result = json.loads(cli("run", BUNDLED, "--json"))
    active = {item: values for item, values in result["items"].items() if values["baseline"] is not None}

    def shown() -> list[str]:
        return page.eval_on_selector_all("#items tbody tr", "rows => rows.map(r => r.dataset.item)")

    # opening order: removed, largest first (ties by item id)
    assert shown() == sorted(active, key=lambda i: (-active[i]["removed"], i))
    header = page.locator('#items th[data-key="optimised"] button')
    header.click()
    assert page.locator('#items th[data-key="optimised"]').get_attribute("aria-sort") == "descending"
    assert shown() == sorted(active, key=lambda i: (-active[i]["optimised"], i))
    header.press("Enter")  # keyboard, the second time
    assert page.locator('#items th[data-key="optimised"]').get_attribute("aria-sort") == "ascending"
    assert shown() == sorted(active, key=lambda i: (active[i]["optimised"], i))


def test_who_to_invite_next_is_the_invite_milp(page: Page) -> None:
    answer = json.loads(cli("invite", BUNDLED, "--base", FIRST, "--max-new", "3", "--frontier", "--json"))
    page.wait_for_selector("#invite:not([aria-busy]) [data-invite='3']", timeout=15_000)
    lines = page.locator("#invite li").all_inner_texts()
    assert len(lines) == 3
    for point, line in zip(answer["frontier"][1:], lines, strict=True):
        assert line.startswith(f"up to {point['k']}: {', '.join(point['chosen'])} → ")
    # "add" takes the K = 1 choice into the membership
    before = runs(page)
    page.locator("[data-invite='1']").click()
    wait_for_update(page, before)
    assert members_on_page(page) == sorted([*LOADED.memberships[FIRST], *answer["frontier"][1]["chosen"]])


def test_report_button_downloads_the_report_of_this_configuration(page: Page, tmp_path: Path) -> None:
    toggle(page, "IN")
    with page.expect_download() as download:
        page.locator("#report").click()
    saved = tmp_path / "downloaded.html"
    download.value.save_as(saved)
    expected = tmp_path / "cli.html"
    members = ",".join(sorted([*LOADED.memberships[FIRST], "IN"]))
    # the page names the preset it matches; the report of the same members from the command line:
    preset = next(name for name, codes in LOADED.memberships.items() if ",".join(codes) == members)
    cli("report", BUNDLED, "--membership", preset, "--format", "html", "--output", str(expected))
    assert download.value.suggested_filename == f"{preset}.html"
    assert saved.read_bytes() == expected.read_bytes()


def test_phone_width_needs_no_sideways_scrolling(page: Page, live: LiveServer, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / "serve-laptop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.locator('[data-metric="overall-optimised"]').is_visible()
    page.screenshot(path=str(tmp_path / "serve-phone.png"), full_page=True)
    for name in ("serve-laptop.png", "serve-phone.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshots: {tmp_path}")


# ties of the exact binary value (6.25 -> 6.2 by Python's half-to-even), signs, zeros, tiny values
AWKWARD = [0.0625, 0.1875, 0.3125, -0.0625, 0.0, -0.0, 1e-13, -1e-13, 0.999999, 0.5, 1 / 3, 2 / 3, 0.12345, 1.0]
MONTHS = [None, 0.0, 0.25, 6.818181818, 119.95, 119.999, 120.0, 126.0, 138.0, 150.0, 1e6]


def test_numbers_are_formatted_as_the_command_lines_tables(page: Page) -> None:
    from paxmodel.outputs.stress_tables import survive
    from paxmodel.outputs.tables import pct, points

    shown = page.evaluate(
        """([values, months]) => {
            const f = window.paxmodel.format;
            return [values.map(f.pct), values.map(f.points), months.map(f.survive)];
        }""",
        [AWKWARD, MONTHS],
    )
    assert shown == [[pct(v) for v in AWKWARD], [points(v) for v in AWKWARD], [survive(m) for m in MONTHS]]


def test_the_files_shocks_are_offered(page: Page) -> None:
    options = page.eval_on_selector_all("#shock option", "nodes => nodes.map(n => n.value)")
    assert options == ["", *LOADED.scenario.shocks]
    assert page.locator("#shock-panel").is_hidden()  # until one is chosen


def test_a_shock_shows_what_paxmodel_stress_gives(shocks_page: Page) -> None:
    from paxmodel.outputs.stress_tables import survive
    from paxmodel.outputs.tables import pct

    page = shocks_page
    shocked = load_scenario(SHOCKS)
    options = page.eval_on_selector_all("#shock option", "nodes => nodes.map(n => n.value)")
    assert options == ["", *shocked.scenario.shocks]
    first = next(iter(shocked.memberships))
    for shock in ("embargo", "al_half"):
        before = runs(page)
        page.locator("#shock").select_option(shock)
        wait_for_update(page, before)
        cell = json.loads(cli("stress", SHOCKS, "--membership", first, "--shock", shock, "--json"))["results"][first][
            shock
        ]
        assert page.locator("#shock-name").inner_text() == shock
        assert {
            name: page.locator(f'[data-metric="shock-{name}"]').inner_text()
            for name in ("baseline", "optimised", "shortfall", "survive")
        } == {
            "baseline": pct(cell["baseline"]["dependency"]),
            "optimised": pct(cell["dependency"]),
            "shortfall": pct(cell["shortfall_share"]),
            "survive": survive(cell["time_to_survive_months"]),
        }
    # the run headline is still the unshocked run
    assert headline(page) == cli_headline("--membership", first, scenario=SHOCKS)
    before = runs(page)
    page.locator("#shock").select_option("")
    wait_for_update(page, before)
    assert page.locator("#shock-panel").is_hidden()
