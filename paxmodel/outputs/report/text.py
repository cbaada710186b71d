"""Words and number formats shared by the report's renderers; the summary written from the numbers.

Everything returned here is plain text: each renderer escapes it for its own format.
"""

from __future__ import annotations

from paxmodel.analyses.exposure import (
    CHOKEPOINT_CONCERN_SHARE,
    CRMA_LIMIT,
    HIDDEN_UPSTREAM_GAP,
    Change,
    CrmaFlag,
    ExposureReport,
    ItemRow,
)
from paxmodel.outputs.tables import pct

TITLE = "Sector exposure report"

READING = (
    (
        "Risk-weighted dependency",
        "The share of an item's requirement that comes from suppliers weighted by their risk (0 for a trusted "
        "member, up to 1 for a country of concern), plus any requirement left unmet. Sector and overall figures "
        "are weighted averages of the items. “Today” is the status quo: every supplier sells to the bloc in "
        "proportion to what it can supply. “Membership” is the optimised sourcing when the listed countries "
        "are members.",
    ),
    (
        "Look-through",
        "Dependency counting the inputs an item is made from, weighted by their shares of the item's value: "
        "look-through = (1 − sum of the inputs' value shares) × direct + sum over inputs of value share × input "
        "look-through. It lies between the item's own and its inputs' figures and shows exposure that a "
        "member's factory inherits from a country of concern's raw material. Shown only for items with inputs.",
    ),
    ("Concern share", "The share of the requirement supplied by countries of concern."),
    (
        "HHI",
        "Herfindahl-Hirschman index of the suppliers' shares, from near 0 (many small suppliers) to 10,000 "
        "(a single supplier).",
    ),
    ("Shortfall", "Requirement that no available supplier can meet, in the item's unit."),
    (
        f"Non-member > {100 * CRMA_LIMIT:g}%",
        f"A single country outside the membership holds more than {100 * CRMA_LIMIT:g}% of the item's "
        "requirement, the limit the EU Critical Raw Materials Act sets for any one third country. “Today” uses "
        "the status-quo sourcing, judged against the same membership.",
    ),
    (
        "Binds",
        "What stops the item's dependency from falling further under the membership, read from the "
        "optimisation's dual values: the budget (a member could expand but the money is spent), a shortfall, "
        "the cap on one non-member's share, the capacity of safer suppliers, or nothing (the item already "
        "comes from the safest suppliers there are).",
    ),
    (
        "Expansion used",
        "New capacity in member countries that the optimised sourcing uses, with its cost in the scenario's cost unit.",
    ),
)


def amount(value: float) -> str:
    """A quantity in an item's unit: thousands separated, about four significant digits."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def with_unit(value: float, unit: str) -> str:
    return f"{amount(value)} {unit}".rstrip()


def points(value: float) -> str:
    """Percentage points, unsigned (the sentence says which way)."""
    return f"{100 * abs(value):.1f} points"


def removed_points(value: float) -> str:
    """Dependency removed, in percentage points; negative when dependency rises."""
    shown = round(100 * value, 1)
    return "0.0 pp" if shown == 0 else f"{shown:.1f} pp".replace("-", "−")


def threshold(value: float) -> str:
    """A threshold share such as 65%."""
    return f"{100 * value:g}%"


def before_after(change: Change | None, fmt: str = "pct") -> str:
    if change is None:
        return "–"
    if fmt == "hhi":
        return f"{change.baseline:,.0f} → {change.optimised:,.0f}"
    return f"{pct(change.baseline)} → {pct(change.optimised)}"


def crma_text(flag: CrmaFlag | None) -> str:
    return "–" if flag is None else f"{flag.country} {pct(flag.share)}"


def item_label(report: ExposureReport, item: str) -> str:
    return report.items[item].name


def sector_label(report: ExposureReport, sector: str) -> str:
    return next(s.name for s in report.sectors if s.id == sector)


def members_text(report: ExposureReport) -> str:
    members = report.provenance.members
    if not members:
        return "no members"
    return ", ".join(f"{report.countries[c].name} ({c})" for c in members)


def top_suppliers(row: ItemRow) -> list[str]:
    """The three largest suppliers today, as 'CN 85.7%'."""
    return [f"{s.country} {pct(s.baseline / row.requirement)}" for s in row.top_suppliers]


def top_suppliers_text(row: ItemRow) -> str:
    return ", ".join(top_suppliers(row)) or "none"


def expansion_uses(row: ItemRow, unit: bool = True) -> list[str]:
    """Expansion used under the membership, as 'US 50 t (cost 100)'."""
    return [
        f"{s.country} {with_unit(s.expansion, row.unit) if unit else amount(s.expansion)} "
        f"(cost {amount(s.expansion_cost)})"
        for s in row.expansion_used
    ]


def expansion_text(row: ItemRow) -> str:
    return "; ".join(expansion_uses(row)) or "–"


def shortfall_text(row: ItemRow) -> str:
    if row.shortfall is None or row.shortfall.optimised == 0:
        return "0"
    return with_unit(row.shortfall.optimised, row.unit)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _movement(change: Change) -> str:
    if change.removed > 0:
        return f"falls from {pct(change.baseline)} to {pct(change.optimised)}"
    if change.removed < 0:
        return f"rises from {pct(change.baseline)} to {pct(change.optimised)}"
    return f"stays at {pct(change.baseline)}"


LISTED = 8  # items named in one summary sentence; the tables have the rest


def _names(report: ExposureReport, pairs: tuple[tuple[str, float], ...], show: str) -> str:
    parts = []
    for item, value in pairs[:LISTED]:
        if show == "removed":
            parts.append(f"{item_label(report, item)} ({points(value)})")
        elif show == "pct":
            parts.append(f"{item_label(report, item)} ({pct(value)})")
        else:
            row = report.items[item]
            parts.append(f"{row.name} ({with_unit(value, row.unit)} of {with_unit(row.requirement, row.unit)})")
    if len(pairs) > LISTED:
        parts.append(f"and {len(pairs) - LISTED} more (see the sector tables)")
    return ", ".join(parts)


def summary_sentences(report: ExposureReport) -> list[str]:
    """The summary, one sentence per fact, written from the report's numbers."""
    s = report.summary
    prov = report.provenance
    sentences = [
        f"Membership '{prov.membership}' ({_count(len(prov.members), 'member')}: {members_text(report)}) "
        "is compared with the status quo, in which every supplier sells to the bloc in proportion "
        "to what it can supply today.",
        f"Overall risk-weighted dependency {_movement(s.dependency)}"
        + (f": {points(s.dependency.removed)} removed." if s.dependency.removed > 0 else "."),
        f"Counting the dependency carried in by inputs (look-through), it {_movement(s.lookthrough)}; "
        f"the share supplied by countries of concern {_movement(s.concern_share)}.",
    ]
    if s.largest_item_reductions:
        sentences.append("Largest reductions: " + _names(report, s.largest_item_reductions, "removed") + ".")
    else:
        sentences.append("No item's dependency is reduced.")
    if s.sector_reductions:
        best, value = s.sector_reductions[0]
        if value > 0:
            row = next(r for r in report.sectors if r.id == best)
            sentences.append(
                f"The sector that gains most is {row.name}: {before_after(row.dependency)} ({points(value)} removed)."
            )
    if s.concern_chokepoints:
        sentences.append(
            f"Chokepoints that remain: countries of concern still supply more than "
            f"{threshold(CHOKEPOINT_CONCERN_SHARE)} of the requirement of "
            f"{_count(len(s.concern_chokepoints), 'item')}: {_names(report, s.concern_chokepoints, 'pct')}."
        )
    else:
        sentences.append(
            f"No item keeps more than {threshold(CHOKEPOINT_CONCERN_SHARE)} of its supply from countries of concern."
        )
    if s.shortfall_items:
        sentences.append(
            f"Requirement left unmet (shortfall) for {_count(len(s.shortfall_items), 'item')}: "
            f"{_names(report, s.shortfall_items, 'amount')}."
        )
    else:
        sentences.append("Every requirement is met.")
    before, after = (len(s.crma_flagged[case]) for case in ("baseline", "optimised"))
    sentences.append(
        f"A single non-member country holds more than {threshold(CRMA_LIMIT)} of the requirement "
        f"(the EU Critical Raw Materials Act benchmark) for {_count(before, 'item')} today "
        f"and {_count(after, 'item')} under this membership."
    )
    if s.hidden_upstream:
        parts = []
        for item, _ in s.hidden_upstream:
            hidden = report.items[item]
            if hidden.dependency is not None and hidden.lookthrough is not None:
                parts.append(
                    f"{hidden.name} ({pct(hidden.dependency.optimised)} direct, "
                    f"{pct(hidden.lookthrough.optimised)} counting inputs)"
                )
        sentences.append(
            f"Exposure hidden upstream (look-through at least {100 * HIDDEN_UPSTREAM_GAP:g} points above the direct "
            "figure): " + ", ".join(parts) + "."
        )
    if s.expansion_cost > 0:
        budget = "no budget limit" if s.budget is None else f"budget {amount(s.budget)}"
        sentences.append(f"New capacity in member countries costs {amount(s.expansion_cost)} ({budget}).")
    if s.budget_shadow_price is not None:
        if s.budget_shadow_price > 0:
            binds = [r.name for r in report.items.values() if r.binding == "budget"]
            sentences.append(
                f"The budget binds: one more unit of it would remove about {100 * s.budget_shadow_price:.3g} "
                f"points of dependency (the objective's shadow price), through {', '.join(binds) or 'its items'}."
            )
        else:
            sentences.append("The budget does not bind: more money would not lower the dependency.")
    return sentences


def uncertainty_sentences(report: ExposureReport) -> list[str]:
    """What the sweep over the scenario's ranges says about the report's membership."""
    u = report.uncertainty
    if u is None:
        return []
    removed, optimised, baseline = u.overall["removed"], u.overall["optimised"], u.overall["baseline"]
    sentences = [
        f"The scenario gives ranges for {_count(len(u.uncertain), 'number')}; over {u.samples} samples of them "
        f"(seed {u.seed}) {u.membership} removes {points(removed.mean)} on average, between "
        f"{points(removed.p5)} and {points(removed.p95)} in 90% of samples (5th to 95th percentile).",
        f"Dependency under the membership: {pct(optimised.p5)} to {pct(optimised.p95)}; "
        f"today: {pct(baseline.p5)} to {pct(baseline.p95)}.",
    ]
    if u.versus:
        sentences.append(
            f"Among the {len(u.versus) + 1} memberships compared, it has the lowest dependency in "
            f"{pct(u.rank_first)} of samples (ties shared)."
        )
    if u.drivers:
        top = ", ".join(d.input for d in u.drivers[:3] if d.index > 0)
        if top:
            sentences.append(f"The uncertain numbers that move its removal most: {top}.")
    return sentences


BINDING_LABELS = {
    "budget": "budget",
    "shortfall": "shortfall",
    "share_cap": "share cap",
    "capacity": "capacity",
    "none": "nothing",
}


def binding_text(row: ItemRow) -> str:
    return "–" if row.binding is None else BINDING_LABELS.get(row.binding, row.binding)


def stress_sentences(report: ExposureReport) -> list[str]:
    """What the stress tests say: the report's membership under its worst shock, the worst cell."""
    st = report.stress
    if st is None:
        return []
    m = st.membership
    worst_shock = max(st.shocks, key=lambda shock: (st.shortfall[(m, shock)], st.dependency[(m, shock)]))
    share = st.shortfall[(m, worst_shock)]
    sentences = [
        f"Under {_count(len(st.shocks), 'shock')} of the scenario, after re-sourcing as well as it can, {m} "
        + (
            f"leaves at most {pct(share)} of its requirement unmet ({worst_shock})."
            if share > 0
            else "meets its whole requirement under every one."
        )
    ]
    if len(st.memberships) > 1:
        cell = max(st.shortfall, key=lambda key: (st.shortfall[key], st.dependency[key]))
        if st.shortfall[cell] > 0:
            sentences.append(
                f"Across the {len(st.memberships)} memberships, the worst case is {cell[0]} under {cell[1]} "
                f"({pct(st.shortfall[cell])} unmet)."
            )
    if st.items_short:
        items = sorted({row.item for row in st.items_short})
        sentences.append(f"Items that run short under some shock: {', '.join(items)}.")
        stocked = [row for row in st.items_short if row.stock > 0 and row.months is not None]
        if stocked:
            row = min(stocked, key=lambda r: r.months or 0.0)
            sentences.append(f"Stockpiles last {row.months:.1f} months at the shortest ({row.item} under {row.shock}).")
        else:
            sentences.append("The scenario gives no stockpile for the items that run short: no buffer is known.")
    return sentences


def survive_text(months: float | None, stock: float) -> str:
    """Time to survive on a stockpile, as a table cell."""
    if stock <= 0:
        return "no stock"
    return "–" if months is None else f"{months:.1f} months"
