"""Reading coverage policies and gathering the engine's inputs from the database."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from registry.coverage import engine
from registry.coverage.models import POLICY_DEFAULTS, CoveragePolicy, CoverageReport
from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import geodata_source
from registry.network.models import ServiceCentre
from registry.parts.models import Part, StockLevel
from registry.tenancy.access import scoped
from registry.tenancy.models import Brand


def policy_default(market: Market) -> CoveragePolicy:
    """The unsaved version 0: the defaults a market has until an official publishes a policy."""
    return CoveragePolicy(market=market, version=0, effective_from=None, **POLICY_DEFAULTS)


def policy_current(*, market: Market, at: datetime.datetime | None = None) -> CoveragePolicy:
    """The version in force at ``at`` (default now): the newest whose ``effective_from`` has come."""
    at = at or timezone.now()
    current = CoveragePolicy.objects.filter(market=market, effective_from__lte=at).order_by("-version").first()
    return current or policy_default(market)


def policy_versions(*, market: Market) -> QuerySet[CoveragePolicy]:
    """Every published version of the market's policy, newest first."""
    return CoveragePolicy.objects.filter(market=market).order_by("-version")


def current_policies(markets: Sequence[Market]) -> dict[str, CoveragePolicy]:
    """The policy in force for each market, in one query (for market lists)."""
    now = timezone.now()
    found: dict[str, CoveragePolicy] = {}
    rows = CoveragePolicy.objects.filter(market__in=[m.code for m in markets], effective_from__lte=now).order_by(
        "market_id", "-version"
    )
    for policy in rows:
        found.setdefault(policy.market_id, policy)
    return {m.code: found.get(m.code) or policy_default(m) for m in markets}


def coverage_reports_visible(*, user: Any) -> QuerySet[CoverageReport]:
    """Reports of the brands and markets the user may see; officials see all."""
    return scoped(CoverageReport.objects.select_related("brand", "market"), user)


def engine_policy(policy: CoveragePolicy) -> engine.Policy:
    return engine.Policy(
        coverage_radius_km=float(policy.coverage_radius_km),
        population_coverage_pct=policy.population_coverage_pct,
        min_service_centres=policy.min_service_centres,
        vehicles_per_service_centre=policy.vehicles_per_service_centre,
        critical_parts_fill_rate_pct=policy.critical_parts_fill_rate_pct,
        required_part_categories=tuple(policy.required_part_categories),
    )


def coverage_inputs(
    *,
    brand: Brand,
    market: Market,
    planned_annual_volume: int,
    vehicle_models: Sequence[str],
    policy: CoveragePolicy,
    now: datetime.datetime,
) -> engine.Inputs:
    """The engine's inputs for ``brand`` in ``market``, in four queries whatever the sizes:
    the market's places, the brand's qualifying centres there, its parts, and its fresh stock
    there summed per part."""
    places = list(
        PopulationCentre.objects.filter(market=market)
        .order_by()
        .values_list("geonameid", "name", "latitude", "longitude", "population")
    )
    centres = list(
        ServiceCentre.objects.qualifying()
        .filter(brand=brand, market=market)
        .order_by("id")
        .values_list("id", "latitude", "longitude")
    )
    cutoff = now - datetime.timedelta(days=policy.stock_max_age_days)
    fresh = dict(
        StockLevel.objects.filter(brand=brand, depot__market=market, updated_at__gte=cutoff)
        .order_by()
        .values("part_id")
        .annotate(total=Sum("quantity_on_hand"))
        .values_list("part_id", "total")
    )
    parts = [
        engine.PartStock(
            part_id=pk,
            category=category,
            is_critical=critical,
            fits_models=tuple(fits or ()),
            fresh_quantity=int(fresh.get(pk) or 0),
        )
        for pk, category, critical, fits in Part.objects.filter(brand=brand)
        .filter(Q(is_critical=True) | Q(category__in=list(policy.required_part_categories)))
        .order_by("id")
        .values_list("id", "category", "is_critical", "fits_models")
    ]
    columns = list(zip(*places, strict=True)) if places else [[], [], [], [], []]
    centre_columns = list(zip(*centres, strict=True)) if centres else [[], [], []]
    return engine.Inputs(
        places=engine.Places(
            geonameid=np.asarray(columns[0], dtype=np.int64),
            name=list(columns[1]),
            latitude=np.asarray(columns[2], dtype=np.float64),
            longitude=np.asarray(columns[3], dtype=np.float64),
            population=np.asarray(columns[4], dtype=np.int64),
        ),
        centres=engine.Centres(
            id=np.asarray(centre_columns[0], dtype=np.int64),
            latitude=np.asarray(centre_columns[1], dtype=np.float64),
            longitude=np.asarray(centre_columns[2], dtype=np.float64),
            # Centre verification arrives with licensing; until then no centre is verified.
            verified=np.zeros(len(centres), dtype=bool),
        ),
        parts=tuple(parts),
        planned_annual_volume=planned_annual_volume,
        vehicle_models=tuple(sorted(vehicle_models)),
        country_population=market.population,
        market_name=market.name,
    )


def fingerprint_payload(*, inputs: engine.Inputs, policy: CoveragePolicy, market: Market) -> dict[str, Any]:
    """Everything the verdict depends on (DESIGN.md §4): policy version, geodata source and
    list, and the engine's facts (Q, C and category parts with in-stock flags, V, sorted S)."""
    source = geodata_source()
    return {
        "policy_version": policy.version,
        "geodata": {"package": source["package"], "version": source["version"], "list": market.places_list},
        **engine.fingerprint_facts(inputs, engine_policy(policy)),
    }
