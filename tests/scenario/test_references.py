"""Reference hints."""

from __future__ import annotations

from paxmodel.scenario.references import country_hint


def test_country_hint_knows_common_aliases() -> None:
    assert "did you mean 'GB'" in country_hint("UK", ["GB", "US"])
    assert "did you mean 'UK'" in country_hint("GB", ["UK", "US"])
    assert country_hint("ZZ", ["GB", "US"]) == ""


def test_shocks_resolve_to_pairs_and_combine() -> None:
    from pathlib import Path

    from paxmodel.scenario.load import load_scenario
    from paxmodel.scenario.references import resolve_shocks

    loaded = load_scenario(Path(__file__).parents[1] / "data" / "small.yaml")
    shocks = resolve_shocks(loaded.scenario)
    assert list(shocks) == ["china_materials", "al_half", "embargo"]  # file order
    assert shocks["china_materials"] == {("CN", i): 1.0 for i in ("gallium", "germanium", "idle")}
    # AL loses half of every item, and 1 - (1 - 0.5) * (1 - 0.4) = 0.7 of chips
    every = ("chips", "gallium", "germanium", "idle", "wafers")
    assert shocks["al_half"] == {("AL", i): (0.7 if i == "chips" else 0.5) for i in every}
    assert list(shocks["al_half"]) == sorted(shocks["al_half"])
    assert shocks["embargo"] == {(c, i): 1.0 for c in ("CN", "RU") for i in every}
