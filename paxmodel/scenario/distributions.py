"""Distributions on uncertain numbers of a scenario (MODEL.md section 6).

A field that may be uncertain holds either a number or one of three distributions:
uniform `{low, high}`, triangular `{low, mode, high}`, or normal `{mean, sd}` truncated to
the field's valid range. Single-value commands read the *point value* (mean of the uniform,
mode of the triangular, mean of the normal); sweeps draw from the distribution through its
inverse CDF (`Distribution.quantile`), so one uniform number per input and sample is all a
generator has to supply, and Sobol' designs use the very same transform.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Uniform(_Strict):
    """Every value between `low` and `high` equally likely."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not exceed high ({self.high:g})")
        return self

    @property
    def point(self) -> float:
        return (self.low + self.high) / 2

    def quantile(self, u: float, lower: float, upper: float) -> float:
        return self.low + u * (self.high - self.low)

    def bounds(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


class Triangular(_Strict):
    """Values between `low` and `high`, most likely near `mode`."""

    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high (got {self.low:g}, {self.mode:g}, {self.high:g})")
        return self

    @property
    def point(self) -> float:
        return self.mode

    def quantile(self, u: float, lower: float, upper: float) -> float:
        width = self.high - self.low
        if width == 0:
            return self.low
        split = (self.mode - self.low) / width
        if u < split:
            return self.low + math.sqrt(u * width * (self.mode - self.low))
        return self.high - math.sqrt((1 - u) * width * (self.high - self.mode))

    def bounds(self) -> dict[str, float]:
        return {"low": self.low, "mode": self.mode, "high": self.high}


class Normal(_Strict):
    """A normal distribution, truncated to the valid range of the field that holds it."""

    mean: float
    sd: float = Field(gt=0)

    @property
    def point(self) -> float:
        return self.mean

    def quantile(self, u: float, lower: float, upper: float) -> float:
        """Inverse CDF of the normal truncated to [lower, upper]."""
        dist = NormalDist(self.mean, self.sd)
        low = 0.0 if lower == -math.inf else dist.cdf(lower)
        high = 1.0 if upper == math.inf else dist.cdf(upper)
        p = low + u * (high - low)
        value = dist.inv_cdf(min(max(p, 1e-300), 1 - 1e-16))
        return min(max(value, lower), upper)

    def bounds(self) -> dict[str, float]:
        return {"mean": self.mean, "sd": self.sd}


Distribution = Annotated[
    Annotated[Uniform, Tag("uniform")] | Annotated[Triangular, Tag("triangular")] | Annotated[Normal, Tag("normal")],
    Discriminator(
        lambda value: (
            "normal"
            if isinstance(value, dict) and ({"mean", "sd"} & value.keys())
            else "triangular"
            if isinstance(value, dict) and "mode" in value
            else "uniform"
        )
    ),
]
DISTRIBUTION_KEYS = ("high", "low", "mean", "mode", "sd")


def number_or_distribution(value: Any) -> str:
    """The tag of an uncertain field's value: a mapping is a distribution, anything else a number."""
    return "distribution" if isinstance(value, dict | Uniform | Triangular | Normal) else "number"


@dataclass(frozen=True)
class Range:
    """The valid range of a field: [lower, upper], the lower end excluded when `open_lower`."""

    lower: float
    upper: float = math.inf
    open_lower: bool = False

    def check(self, name: str, value: float) -> None:
        if value < self.lower or (self.open_lower and value == self.lower):
            relation = "greater than" if self.open_lower else "at least"
            raise ValueError(f"{name} must be {relation} {self.lower:g} (got {value:g})")
        if value > self.upper:
            raise ValueError(f"{name} must be at most {self.upper:g} (got {value:g})")


def within(valid: Range) -> Callable[[Any], Any]:
    """Check that a distribution's bounds (or a normal's mean) lie in the field's valid range."""

    def check(value: Any) -> Any:
        if isinstance(value, Uniform | Triangular):
            for name, number in value.bounds().items():
                valid.check(name, number)
        elif isinstance(value, Normal):
            valid.check("mean", value.mean)
        return value

    return check


_NUMBERS = (float, int)  # a tuple: `float | int` would build a union object on every call


def point(value: float | Uniform | Triangular | Normal) -> float:
    """The value single-value commands use: the number, or the distribution's point value."""
    return value if isinstance(value, _NUMBERS) else value.point


def describe(value: Uniform | Triangular | Normal) -> str:
    """A short text such as `uniform(0.2, 0.6)`, for tables and reports."""
    kind = type(value).__name__.lower()
    return f"{kind}({', '.join(f'{v:g}' for v in value.bounds().values())})"
