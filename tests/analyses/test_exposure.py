"""The sector exposure report as data: look-through, CRMA flags, summary facts (numbers by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paxmodel.analyses.exposure import (
    CRMA_LIMIT,
    ExposureReport,
    build_report,
    crma_flag,
    lookthrough_dependency,
    report_date,
)
from paxmodel.model.network import Network
from paxmodel.outputs.files import json_text
from paxmodel.scenario.generate import generate_scenario_data
from paxmodel.scenario.limits import within_policy
from paxmodel.scenario.load import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "report_small.yaml"
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"

# report_small.yaml by hand, membership `bloc` = {US, JP} (member risk 0):
#   T_wafer = 100; T_polysilicon = 2 * 100 = 200; T_gallium = 10; T_spare = 0 (no metrics).
#   Baseline polysilicon: 350 available for 200 -> CN 300 * 4/7 = 171.43, DE 50 * 4/7 = 28.57;
#     dependency = (171.43 * 1.0 + 28.57 * 0.3) / 200 = 0.857143 + 0.042857 = 0.9.
#   Optimised polysilicon: US expands 50 (risk 0), DE 50 (0.3), CN 100 (1.0) -> (15 + 100) / 200 = 0.575.
#   Wafer: JP makes all 100; risk 0.1 today, 0 as a member -> dependency 0.1 -> 0.
#   Look-through of wafers (input polysilicon written plainly: value share 0.5 by default):
#     baseline  0.5 * 0.1 + 0.5 * 0.9   = 0.5
#     optimised 0.5 * 0.0 + 0.5 * 0.575 = 0.2875
#   Gallium: CN 9 (concern), JP 0.5, shortfall 0.5 in both cases; CN share 0.9 > 0.65.


@pytest.fixture(scope="module")
def small() -> ExposureReport:
    return build_report(load_scenario(SMALL), "bloc", date="2026-03-01")


def test_lookthrough_of_the_small_scenario_by_hand(small: ExposureReport) -> None:
    wafer, poly = small.items["wafer"], small.items["polysilicon"]
    assert wafer.dependency is not None and wafer.lookthrough is not None
    assert poly.dependency is not None and poly.lookthrough is not None
    assert poly.dependency.baseline == pytest.approx(0.9, abs=1e-12)
    assert poly.dependency.optimised == pytest.approx(0.575, abs=1e-9)
    assert wafer.dependency.baseline == pytest.approx(0.1, abs=1e-12)
    assert wafer.dependency.optimised == pytest.approx(0.0, abs=1e-12)
    assert wafer.lookthrough.baseline == pytest.approx(0.5, abs=1e-12)
    assert wafer.lookthrough.optimised == pytest.approx(0.2875, abs=1e-9)
    assert wafer.hidden_upstream == pytest.approx(0.2875, abs=1e-9)
    # an item without inputs: look-through is its own dependency, exactly
    assert poly.lookthrough == poly.dependency


def test_lookthrough_through_two_tiers_and_a_shared_input() -> None:
    # a needs b and c; b needs c; z needs c but has T = 0 (no demand, nobody uses it).
    # Plain inputs share settings.inputs_value_share = 0.5 equally. Dependencies a 0.1, b 0.2, c 0.5:
    #   LT_c = 0.5
    #   LT_b = 0.5 * 0.2 + 0.5 * 0.5                 = 0.35
    #   LT_a = 0.5 * 0.1 + 0.25 * 0.35 + 0.25 * 0.5  = 0.2625
    data: dict[str, Any] = {
        "paxmodel": 1,
        "name": "tiers",
        "countries": {"US": {"name": "US", "risk": 0.0}},
        "sectors": {
            "s": {
                "name": "S",
                "items": {
                    "a": {"name": "A", "demand": 1, "inputs": {"b": 1, "c": 1}},
                    "b": {"name": "B", "inputs": {"c": 2}},
                    "c": {"name": "C"},
                    "z": {"name": "Z", "inputs": {"c": 1}},
                },
            }
        },
    }
    network = Network.from_scenario(scenario_from_dict(data))
    assert network.requirement["z"] == 0
    lt = lookthrough_dependency(network, {"a": 0.1, "b": 0.2, "c": 0.5})
    assert lt == pytest.approx({"a": 0.2625, "b": 0.35, "c": 0.5}, abs=1e-12)
    assert "z" not in lt  # T = 0: no metric, no look-through
    # a: b's value share given as 0.3, so c (plain) gets what is left of 0.5: 0.2
    #   LT_a = (1 - 0.5) * 0.1 + 0.3 * 0.35 + 0.2 * 0.5 = 0.05 + 0.105 + 0.1 = 0.255
    data["sectors"]["s"]["items"]["a"]["inputs"] = {"b": {"per_unit": 1, "value_share": 0.3}, "c": 1}
    network = Network.from_scenario(scenario_from_dict(data))
    assert network.value_share["a"] == {"b": 0.3, "c": pytest.approx(0.2)}
    assert lookthrough_dependency(network, {"a": 0.1, "b": 0.2, "c": 0.5})["a"] == pytest.approx(0.255, abs=1e-12)
    # inputs that carry no value: the look-through is the item's own dependency
    data["settings"] = {"inputs_value_share": 0.0}
    data["sectors"]["s"]["items"]["a"]["inputs"] = {"b": 1, "c": 1}
    network = Network.from_scenario(scenario_from_dict(data))
    assert lookthrough_dependency(network, {"a": 0.1, "b": 0.2, "c": 0.5}) == {"a": 0.1, "b": 0.2, "c": 0.5}


def test_lookthrough_of_the_tutorial_as_documented() -> None:
    # docs/model.md: today chips 0.56, wafers 0.875 -> 0.5 * 0.56 + 0.5 * 0.875 = 0.7175;
    # membership `alone`: chips 0.12, wafers 0.45 -> 0.5 * 0.12 + 0.5 * 0.45 = 0.285.
    chips = build_report(load_scenario(TUTORIAL), "alone", date="2026-03-01").items["chips"]
    assert chips.lookthrough is not None
    assert chips.lookthrough.baseline == pytest.approx(0.7175, abs=1e-9)
    assert chips.lookthrough.optimised == pytest.approx(0.285, abs=1e-9)


def test_crma_flag_on_hand_made_shares() -> None:
    # a member above the limit is not flagged; the largest non-member above 65% is
    flag = crma_flag({"US": 0.9, "CN": 0.66, "DE": 0.1}, members=["US"])
    assert flag is not None and (flag.country, flag.share) == ("CN", 0.66)
    assert crma_flag({"US": 0.9}, members=["US"]) is None
    # exactly 65%, or within solver noise of it (an LP solution sitting on a 0.65 share cap), is not "more than"
    assert crma_flag({"CN": CRMA_LIMIT}, members=[]) is None
    assert crma_flag({"CN": CRMA_LIMIT + 1e-12}, members=[]) is None
    assert crma_flag({"CN": CRMA_LIMIT + 1e-6}, members=[]) is not None


def test_crma_flags_and_chokepoints_of_the_small_scenario(small: ExposureReport) -> None:
    poly, gallium, wafer = small.items["polysilicon"], small.items["gallium"], small.items["wafer"]
    # polysilicon: CN 171.43 / 200 = 6/7 today; 100 / 200 = 0.5 under the membership
    assert poly.crma["baseline"] is not None and poly.crma["baseline"].country == "CN"
    assert poly.crma["baseline"].share == pytest.approx(6 / 7, abs=1e-12)
    assert poly.crma["optimised"] is None
    assert gallium.crma["optimised"] is not None and gallium.crma["optimised"].share == pytest.approx(0.9)
    # wafer: JP holds 100%, but JP is a member, so no flag (today is judged against the same membership)
    assert wafer.crma == {"baseline": None, "optimised": None}
    s = small.summary
    assert s.crma_flagged == {"baseline": ("polysilicon", "gallium"), "optimised": ("gallium",)}
    assert s.concern_chokepoints == (("gallium", pytest.approx(0.9)),)  # 0.5 for polysilicon is not "above"
    assert s.shortfall_items == (("gallium", pytest.approx(0.5)),)
    assert [item for item, _ in s.largest_item_reductions] == ["polysilicon", "wafer", "gallium"]
    assert s.expansion_cost == pytest.approx(100.0)  # US 50 t at 2.0
    assert [item for item, _ in s.hidden_upstream] == ["wafer"]


def test_overall_figures_match_the_run(small: ExposureReport) -> None:
    # k: semis weight 1, materials weight 2 (wafer 1/3; polysilicon, gallium 1/3 each of 2/3)
    # baseline  1/3 * 0.1 + 1/3 * 0.9 + 1/3 * 0.955 = 0.651667
    # optimised 1/3 * 0.0 + 1/3 * 0.575 + 1/3 * 0.95 = 0.508333
    assert small.summary.dependency.baseline == pytest.approx((0.1 + 0.9 + 0.955) / 3, abs=1e-9)
    assert small.summary.dependency.optimised == pytest.approx((0.575 + 0.95) / 3, abs=1e-9)
    # look-through overall: wafer 0.5 / 0.2875 instead of 0.1 / 0
    assert small.summary.lookthrough.baseline == pytest.approx((0.5 + 0.9 + 0.955) / 3, abs=1e-9)
    assert small.summary.lookthrough.optimised == pytest.approx((0.2875 + 0.575 + 0.95) / 3, abs=1e-9)


def test_sourcing_split_adds_up_to_the_requirement(small: ExposureReport) -> None:
    gallium = small.items["gallium"]
    assert gallium.split is not None
    # gallium: JP 0.5 (member), CN 9 (concern), shortfall 0.5, of 10
    assert gallium.split["baseline"].to_dict() == {
        "member": 0.05,
        "other": 0.0,
        "concern": 0.9,
        "shortfall": 0.05,
        "unneeded": 0.0,
    }
    for row in small.items.values():
        if row.split is None:
            continue
        for split in row.split.values():
            total = split.member + split.other + split.concern + split.shortfall + split.unneeded
            assert total == pytest.approx(1.0, abs=1e-9)
            assert split.unneeded == 0.0  # no user item is short here


def test_inputs_of_a_short_item_are_partly_not_needed() -> None:
    # p needs 1 q per unit; demand p 10, but only 6 p exist anywhere -> T_q = 10, yet the LP
    # needs only 6 q under the membership: 4 / 10 = 0.4 of q is "not needed" (today q is bought for all 10).
    data: dict[str, Any] = {
        "paxmodel": 1,
        "name": "short user",
        "countries": {"US": {"name": "US", "risk": 0.0}, "CN": {"name": "CN", "risk": 1.0, "concern": True}},
        "sectors": {
            "s": {
                "name": "S",
                "items": {
                    "p": {"name": "P", "demand": 10, "inputs": {"q": 1}, "supply": {"US": 6}},
                    "q": {"name": "Q", "supply": {"US": 3, "CN": 20}},
                },
            }
        },
        "memberships": {"us": ["US"]},
    }
    q = build_report(scenario_from_dict(data), "us", date="2026-03-01").items["q"]
    assert q.split is not None
    assert q.split["baseline"].unneeded == 0.0
    assert q.split["optimised"].to_dict() == {
        "member": 0.3,
        "other": 0.0,
        "concern": 0.3,
        "shortfall": 0.0,
        "unneeded": 0.4,
    }


def test_item_with_no_requirement_is_listed_without_metrics(small: ExposureReport) -> None:
    spare = small.items["spare"]
    assert not spare.active
    assert spare.dependency is None and spare.lookthrough is None and spare.split is None
    assert spare.to_dict()["dependency"] is None
    assert [s.id for s in small.sectors] == ["semis", "materials"]  # file order
    assert small.sectors[1].items == ("polysilicon", "gallium", "spare")


def test_top_suppliers_are_the_three_largest_today(small: ExposureReport) -> None:
    poly = small.items["polysilicon"]
    assert [s.country for s in poly.top_suppliers] == ["CN", "DE"]  # US supplies nothing today
    assert [s.country for s in poly.expansion_used] == ["US"]
    assert poly.expansion_used[0].expansion == pytest.approx(50.0)


def test_json_is_plain_and_deterministic(small: ExposureReport) -> None:
    again = build_report(load_scenario(SMALL), "bloc", date="2026-03-01")
    text = json_text(small.to_dict())
    assert text == json_text(again.to_dict())
    document = json.loads(text)
    assert document["provenance"]["date"] == "2026-03-01"
    assert document["provenance"]["sources"] == {
        "made-up": "Invented figures for tests (see https://example.org/not-fetched)"
    }
    assert document["items"]["wafer"]["lookthrough"] == {"baseline": 0.5, "optimised": 0.2875, "removed": 0.2125}
    # rounding noise of a difference reads as zero, not 6.7e-16
    assert document["items"]["gallium"]["concern_share"]["removed"] == 0.0


def test_report_date_from_argument_or_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    assert report_date() == "2026-01-01"
    assert report_date("2025-12-12") == "2025-12-12"  # an explicit date wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        report_date()
    with pytest.raises(ValueError):
        report_date("12/12/2025")


def test_ad_hoc_members(small: ExposureReport) -> None:
    custom = build_report(load_scenario(SMALL), members=["US", "JP"], date="2026-03-01")
    assert custom.provenance.membership == "custom"
    assert custom.summary.dependency == small.summary.dependency


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    plain_share=st.floats(0.0, 1.0).map(within_policy),
    given_shares=st.lists(st.floats(0.0, 0.5).map(within_policy), min_size=1, max_size=30),
    dependencies=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
)
def test_lookthrough_lies_between_the_item_and_its_inputs(
    seed: int, plain_share: float, given_shares: list[float], dependencies: list[float]
) -> None:
    # Random tiered scenarios; some inputs get a value share (scaled so an item's shares add
    # up to 1 at most), the others share what is left of a random inputs_value_share.
    data = generate_scenario_data(countries=5, items=12, tiers=3, seed=seed)
    data["settings"] = {"inputs_value_share": plain_share}
    n = 0
    for sector in data["sectors"].values():
        for item in sector["items"].values():
            inputs = item.get("inputs", {})
            for k in list(inputs)[: len(inputs) // 2]:
                share = within_policy(given_shares[n % len(given_shares)] / max(1, len(inputs)))
                inputs[k] = {"per_unit": inputs[k], "value_share": share}
                n += 1
    network = Network.from_scenario(scenario_from_dict(data))
    dependency = {i: dependencies[n % len(dependencies)] for n, i in enumerate(network.active_items)}
    lt = lookthrough_dependency(network, dependency)
    assert set(lt) == set(network.active_items)
    for i, value in lt.items():
        parts = [dependency[i], *(lt[k] for k in network.inputs[i])]
        assert min(parts) - 1e-12 <= value <= max(parts) + 1e-12
        if not network.inputs[i]:
            assert value == dependency[i]


def test_input_entry_may_carry_a_distribution() -> None:
    # {per_unit: distribution, value_share: v}: the LP uses the point value (low + high) / 2 = 2,
    # the look-through the value share; the plain form may be a distribution too.
    data: dict[str, Any] = {
        "paxmodel": 1,
        "name": "forms",
        "countries": {"US": {"name": "US", "risk": 0.0}},
        "sectors": {
            "s": {
                "name": "S",
                "items": {
                    "a": {
                        "name": "A",
                        "demand": 1,
                        "inputs": {
                            "b": {"per_unit": {"low": 1, "high": 3}, "value_share": 0.2},
                            "c": {"low": 2, "high": 4},
                        },
                    },
                    "b": {"name": "B"},
                    "c": {"name": "C"},
                },
            }
        },
    }
    network = Network.from_scenario(scenario_from_dict(data))
    assert network.inputs["a"] == {"b": 2.0, "c": 3.0}
    assert network.value_share["a"] == {"b": 0.2, "c": pytest.approx(0.3)}


def test_binding_constraints_in_the_report(small: ExposureReport) -> None:
    # bloc = {US, JP}: wafers all from JP (a member, risk 0): nothing binds; polysilicon uses all
    # of the US expansion (50) before DE and CN: capacity; gallium is 0.5 t short; spare is not required.
    binding = {i: row.binding for i, row in small.items.items()}
    assert binding == {"wafer": "none", "polysilicon": "capacity", "gallium": "shortfall", "spare": None}
    assert small.summary.budget_shadow_price is None  # no budget in the file
    document = small.to_dict()
    assert document["items"]["polysilicon"]["binding"] == "capacity"
    assert document["summary"]["budget_shadow_price"] is None
