"""Pydantic models of the scenario format (MODEL.md sections 1 and 5): the single source of truth.

The models check types and ranges of single values. Checks that need the whole scenario
(references between sections, cycles) live in :mod:`paxmodel.scenario.references`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

from paxmodel.scenario.distributions import Distribution, Range, number_or_distribution, within

COUNTRY_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,9}$"
SECTOR_ID_PATTERN = r"^[a-z][a-z0-9_]*$"

CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_CODE_PATTERN)]
SectorId = Annotated[str, StringConstraints(pattern=SECTOR_ID_PATTERN)]
ItemId = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S+$")]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
UnitInterval = Annotated[float, Field(ge=0, le=1)]
Share = Annotated[float, Field(gt=0, le=1)]
# The numbers MODEL.md 6 lets a scenario give as a distribution instead.
# (tagged, so that a wrong number is reported once, as a number, not once per kind of union member)
UncertainUnitInterval = Annotated[
    Annotated[UnitInterval, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(number_or_distribution),
    AfterValidator(within(Range(0.0, 1.0))),
]
UncertainNonNegative = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(number_or_distribution),
    AfterValidator(within(Range(0.0))),
]
UncertainPositive = Annotated[
    Annotated[Positive, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(number_or_distribution),
    AfterValidator(within(Range(0.0, open_lower=True))),
]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are immutable, no NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _number_as(key: str) -> Any:
    """Expand the shorthand `JP: 3` into `{key: 3}` so errors name one field, not a union."""

    def expand(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {key: value}
        return value

    return expand


def _not_bool(value: Any) -> Any:
    """`true` is not the version number 1 (Python's True == 1 would let it pass)."""
    if isinstance(value, bool):
        raise ValueError(f"the format version is a number (paxmodel: 1), not {str(value).lower()}")
    return value


class Settings(Strict):
    member_risk: UnitInterval = Field(0.0, description="Risk weight of a country while it is a member.")
    shortfall_penalty: float = Field(
        10.0, gt=1, le=1e6, description="Objective weight of one unit of unmet requirement (> 1, at most 1e6)."
    )
    max_single_share: float = Field(
        1.0, gt=0, le=1, description="Cap on any one non-member's share of an item's requirement."
    )
    budget: UncertainNonNegative | None = Field(None, description="Total cost of expansion allowed; null = unlimited.")
    inputs_value_share: UnitInterval = Field(
        0.5, description="Share of an item's value that inputs written as plain numbers carry together."
    )
    accessible_share: Share = Field(
        1.0,
        description="Share of each country's available supply the bloc can draw on (the rest of the world buys too).",
    )


class Country(Strict):
    name: NonEmptyText
    risk: UncertainUnitInterval = Field(description="Risk weight while not a member, in [0, 1].")
    concern: bool = Field(False, description="A country of concern may never be a member.")
    notes: str | None = None


class SupplyEntry(Strict):
    available: UncertainNonNegative = Field(description="What the country can supply to the bloc today.")
    accessible: Share | None = Field(
        None, description="Share of `available` the bloc can draw on; overrides settings.accessible_share."
    )
    source: str | None = Field(None, description="Citation key from `sources`.")
    notes: str | None = None


class ExpansionEntry(Strict):
    capacity: UncertainNonNegative = Field(description="Capacity the country can add while a member.")
    cost: UncertainNonNegative = Field(0.0, description="Cost per unit of expansion used.")
    source: str | None = Field(None, description="Citation key from `sources`.")
    notes: str | None = None


class InputEntry(Strict):
    per_unit: UncertainPositive = Field(description="Units of the input needed per unit of this item.")
    value_share: UnitInterval | None = Field(
        None, description="The input's share of this item's value (look-through weight)."
    )


def _input_form(value: Any) -> str:
    """`k: a` (a number or a distribution) or `k: {per_unit: a, value_share: v}`."""
    if isinstance(value, InputEntry) or (isinstance(value, dict) and {"per_unit", "value_share"} & value.keys()):
        return "entry"
    return "coefficient"


Supply = Annotated[
    SupplyEntry,
    BeforeValidator(_number_as("available"), json_schema_input_type=NonNegative | SupplyEntry),
]
Expansion = Annotated[
    ExpansionEntry,
    BeforeValidator(_number_as("capacity"), json_schema_input_type=NonNegative | ExpansionEntry),
]
Input = Annotated[
    Annotated[UncertainPositive, Tag("coefficient")] | Annotated[InputEntry, Tag("entry")],
    Discriminator(_input_form),
]


class Item(Strict):
    name: NonEmptyText
    unit: str = ""
    demand: UncertainNonNegative = Field(0.0, description="The bloc's own final requirement per year.")
    weight: Positive = 1.0
    source: str | None = Field(None, description="Citation key for the demand figure.")
    stock: NonNegative = Field(0.0, description="Stockpile held by the bloc, in the item's unit (demand is per year).")
    stock_source: str | None = Field(None, description="Citation key for the stockpile figure.")
    notes: str | None = None
    supply: dict[CountryCode, Supply] = Field(default_factory=dict)
    expansion: dict[CountryCode, Expansion] = Field(default_factory=dict)
    inputs: dict[ItemId, Input] = Field(
        default_factory=dict,
        description="Units of another item needed per unit of this item, optionally with its value share.",
    )


class Sector(Strict):
    name: NonEmptyText
    weight: Positive = 1.0
    notes: str | None = None
    items: dict[ItemId, Item] = Field(default_factory=dict)


class DerivedMembership(Strict):
    extends: NonEmptyText
    add: list[CountryCode] = Field(default_factory=list)
    remove: list[CountryCode] = Field(default_factory=list)


Membership = Annotated[
    Annotated[list[CountryCode], Tag("list")] | Annotated[DerivedMembership, Tag("derived")],
    Discriminator(lambda value: "list" if isinstance(value, list) else "derived"),
]


class ShockCut(Strict):
    """One cut of a shock: `country` loses the fraction `cut` of its supply of some items.

    The items are `items` plus every item of `sectors`; neither given means every item.
    """

    country: CountryCode
    items: list[ItemId] | None = Field(None, min_length=1, description="Items cut (with `sectors`).")
    sectors: list[SectorId] | None = Field(None, min_length=1, description="Every item of these sectors is cut.")
    cut: float = Field(gt=0, le=1, description="Fraction of supply and expansion lost, in (0, 1].")
    source: str | None = Field(None, description="Citation key from `sources`.")
    notes: str | None = None


Shock = Annotated[list[ShockCut], Field(min_length=1)]


class Scenario(Strict):
    """One scenario file after `extends` has been merged."""

    paxmodel: Annotated[Literal[1], BeforeValidator(_not_bool)] = Field(description="Format version.")
    name: NonEmptyText
    description: str | None = None
    extends: str | None = Field(None, description="Path of a scenario this one overrides.")
    sources: dict[NonEmptyText, NonEmptyText] = Field(default_factory=dict)
    settings: Settings = Field(default_factory=Settings)
    countries: dict[CountryCode, Country] = Field(default_factory=dict)
    sectors: dict[SectorId, Sector] = Field(default_factory=dict)
    memberships: dict[NonEmptyText, Membership] = Field(default_factory=dict)
    candidates: list[CountryCode] | None = None
    shocks: dict[NonEmptyText, Shock] = Field(
        default_factory=dict, description="Stress tests: name -> cuts; cuts on one (country, item) combine."
    )


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors and `paxmodel schema`."""
    schema = Scenario.model_json_schema()
    _forbid_unmatched_keys(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "paxmodel scenario (format 1)"
    return schema


def _forbid_unmatched_keys(node: Any) -> None:
    """Maps keyed by id (patternProperties) reject keys that miss the pattern, as the loader does."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _forbid_unmatched_keys(value)
    elif isinstance(node, list):
        for value in node:
            _forbid_unmatched_keys(value)
