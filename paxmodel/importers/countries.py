"""Country names and numeric codes -> ISO 3166 alpha-2, through pycountry.

pycountry (the optional `import` extra) holds the ISO 3166 tables; on top of them sit only
the names and codes the sources use that are not in ISO 3166: the short names USGS prints
("Burma", "Congo (Kinshasa)") and the country codes where CEPII BACI's own table departs from
ISO numeric. No fuzzy matching: a name is found exactly or reported, and the user can map it
with `--country NAME=CODE`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

# Short names used by USGS (U.S. Board on Geographic Names conventions) that ISO 3166 spells
# differently. Keys are lower-case.
NAME_ALIASES: dict[str, str] = {
    "bahamas, the": "BS",
    "brunei": "BN",
    "burma": "MM",
    "cape verde": "CV",
    "congo (brazzaville)": "CG",
    "congo (kinshasa)": "CD",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "czech republic": "CZ",
    "democratic republic of the congo": "CD",
    "east timor": "TL",
    "gambia, the": "GM",
    "ivory coast": "CI",
    "korea, north": "KP",
    "korea, south": "KR",
    "kosovo": "XK",
    "laos": "LA",
    "macau": "MO",
    "macedonia": "MK",
    "micronesia": "FM",
    "moldova": "MD",
    "republic of the congo": "CG",
    "russia": "RU",
    "swaziland": "SZ",
    "turkey": "TR",
    "vatican city": "VA",
}

# CEPII BACI country codes that are not the ISO 3166 numeric code of the country (BACI's
# country_codes table): France incl. Monaco, Norway incl. Svalbard and Jan Mayen, India,
# Switzerland incl. Liechtenstein, USA incl. Puerto Rico and the Virgin Islands, and
# "Other Asia, not elsewhere specified", which is Taiwan.
BACI_CODES: dict[int, str] = {251: "FR", 490: "TW", 579: "NO", 699: "IN", 757: "CH", 842: "US"}

# Rows that are totals or remainders, not countries: skipped and reported.
AGGREGATE = re.compile(r"^(world|other|others|total|rest of)\b", re.IGNORECASE)
# Footnote marks glued to a name ("Japan3", "Other countries4") or set apart ("China e").
_NAME_FOOTNOTE = re.compile(r"^(?P<name>.*?[^\d\s])\s*(?P<mark>\d+|\*+)$")


class MissingLibrary(ValueError):
    """pycountry is not installed."""


@cache
def _countries() -> Any:
    try:
        import pycountry
    except ModuleNotFoundError:  # pragma: no cover - the test extra installs it
        raise MissingLibrary("importers need pycountry for country codes: pip install 'paxmodel[import]'") from None
    return pycountry.countries


def split_footnote(name: str) -> tuple[str, str]:
    """('Japan', '3') for 'Japan3'; (name, '') when nothing is glued on."""
    cleaned = " ".join(name.replace("\xa0", " ").split())
    match = _NAME_FOOTNOTE.match(cleaned)
    if match is None:
        return cleaned, ""
    return match["name"].rstrip(" ,"), match["mark"]


def code_for_name(name: str, overrides: Mapping[str, str] = {}) -> str | None:
    """ISO alpha-2 code of a country name (exact ISO name, alpha-2/3 code, or a known alias)."""
    key = name.strip().lower()
    for given, code in overrides.items():
        if given.strip().lower() == key:
            return code
    if key in NAME_ALIASES:
        return NAME_ALIASES[key]
    try:
        return str(_countries().lookup(name.strip()).alpha_2)
    except LookupError:
        return None


def code_for_baci(number: int, overrides: Mapping[str, str] = {}) -> str | None:
    """ISO alpha-2 code of a BACI numeric country code (BACI's deviations first, then ISO numeric)."""
    if str(number) in overrides:
        return overrides[str(number)]
    if number in BACI_CODES:
        return BACI_CODES[number]
    found = _countries().get(numeric=f"{number:03d}")
    return None if found is None else str(found.alpha_2)
