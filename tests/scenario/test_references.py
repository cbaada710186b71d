"""Reference hints."""

from __future__ import annotations

from paxmodel.scenario.references import country_hint


def test_country_hint_knows_common_aliases() -> None:
    assert "did you mean 'GB'" in country_hint("UK", ["GB", "US"])
    assert "did you mean 'UK'" in country_hint("GB", ["UK", "US"])
    assert country_hint("ZZ", ["GB", "US"]) == ""
