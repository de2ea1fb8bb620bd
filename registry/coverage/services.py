"""Writing coverage policies and coverage reports (DESIGN.md §3, §4)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registry.audit.services import Change, audit_record
from registry.coverage import engine
from registry.coverage.models import POLICY_FIELDS, CoveragePolicy, CoverageReport, ReportStatus
from registry.coverage.selectors import coverage_inputs, engine_policy, fingerprint_payload, policy_current
from registry.errors import Forbidden, NotFound
from registry.geography.models import Market
from registry.parts.models import VehicleModel
from registry.tenancy.access import access_for, require
from registry.tenancy.models import Brand
from registry.vocabulary import HOME_MARKET, PartCategory

_PERCENTAGES = ("population_coverage_pct", "critical_parts_fill_rate_pct")
_COUNTS = ("min_service_centres", "vehicles_per_service_centre", "stock_max_age_days", "grace_days")


def _clean_policy(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    radius = _decimal(values["coverage_radius_km"])
    if radius is None or radius <= 0 or radius > 20000:
        errors["coverage_radius_km"] = ["The coverage radius must be a number of km above 0 (at most 20,000)."]
    out["coverage_radius_km"] = radius
    for name in _PERCENTAGES:
        value = _decimal(values[name])
        if value is None or not 0 <= value <= 100:
            errors[name] = ["Give a percentage between 0 and 100."]
        out[name] = value
    for name in _COUNTS:
        value = values[name]
        least = 1 if name == "vehicles_per_service_centre" else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            errors[name] = [f"Give a whole number, {least} or more."]
    categories = values["required_part_categories"]
    if not isinstance(categories, list | tuple):
        errors["required_part_categories"] = ["Give a list of part categories."]
    else:
        unknown = [c for c in categories if c not in PartCategory.values]
        if unknown:
            errors["required_part_categories"] = [
                f"Unknown part category {', '.join(map(str, unknown))}; use any of {', '.join(PartCategory.values)}."
            ]
        out["required_part_categories"] = list(dict.fromkeys(categories))
    if errors:
        raise ValidationError(errors)
    return out


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
        return number.quantize(Decimal("0.01")) if number.is_finite() else None
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def policy_publish(
    *, by: Any, market: Market, values: dict[str, Any], effective_from: datetime.datetime | None = None, partial: bool
) -> CoveragePolicy:
    """Publish a new version of ``market``'s policy (officials only).

    ``partial`` (PATCH) keeps the current version's values for fields not given; otherwise
    (PUT) every field is required. Versions are numbered 1, 2, … per market, and concurrent
    publications are serialised on the market row so numbers never clash.
    """
    if not access_for(by).is_official:
        raise Forbidden("Only officials set coverage policies.")
    if market.code == HOME_MARKET:
        raise ValidationError({"market": f"{HOME_MARKET} is the home market; it has no coverage policy."})
    missing = [f for f in POLICY_FIELDS if f not in values]
    if missing and not partial:
        raise ValidationError({f: ["This field is required."] for f in missing})
    Market.objects.select_for_update().filter(pk=market.pk).first()
    current = policy_current(market=market)
    merged = {f: values.get(f, getattr(current, f)) for f in POLICY_FIELDS}
    cleaned = _clean_policy(merged)
    latest = CoveragePolicy.objects.filter(market=market).order_by("-version").values_list("version", flat=True).first()
    policy = CoveragePolicy.objects.create(
        market=market,
        version=(latest or 0) + 1,
        effective_from=effective_from or timezone.now(),
        created_by=by,
        **cleaned,
    )
    before = current.snapshot()
    after = policy.snapshot()
    audit_record(
        by=by, change=Change("create", policy, {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    )
    return policy


def _unknown_models(brand: Brand, codes: Iterable[str]) -> list[str]:
    codes = sorted(set(codes))
    known = set(VehicleModel.objects.filter(brand=brand, code__in=codes).values_list("code", flat=True))
    return [c for c in codes if c not in known]


def coverage_report_request(
    *, by: Any, brand: Brand, market: Market, planned_annual_volume: int, vehicle_models: Iterable[str] = ()
) -> CoverageReport:
    """Ask for a coverage evaluation; the report is computed by a Celery task after commit.

    Brand editors and admins (for the market) and officials may ask; viewers only read.
    Unknown vehicle model codes and the home market are refused with the reason.
    """
    from registry.tasks import evaluate_coverage_report

    access = access_for(by)
    if not access.is_official:
        require(by, "edit", brand_id=brand.pk, market=market.code)
    errors: dict[str, str] = {}
    if market.code == HOME_MARKET:
        errors["market"] = f"{HOME_MARKET} is the home market; coverage is judged for overseas markets."
    if not isinstance(planned_annual_volume, int) or planned_annual_volume < 0:
        errors["planned_annual_volume"] = "Give the planned annual volume as a whole number, 0 or more."
    models = sorted({str(c).strip() for c in vehicle_models or [] if str(c).strip()})
    unknown = _unknown_models(brand, models)
    if unknown:
        errors["vehicle_models"] = f"Unknown vehicle model code {', '.join(unknown)} for {brand.name}."
    if errors:
        raise ValidationError(errors)
    report = CoverageReport.objects.create(
        brand=brand,
        market=market,
        planned_annual_volume=planned_annual_volume,
        vehicle_models=models,
        requested_by=by if getattr(by, "pk", None) else None,
    )
    transaction.on_commit(lambda: evaluate_coverage_report.delay(report.pk))
    return report


def coverage_report_compute(*, report_id: int, now: datetime.datetime | None = None) -> CoverageReport:
    """Evaluate a pending report and store the result (DESIGN.md §4).

    Idempotent: a report already done or failed is returned unchanged, so a redelivered task
    does nothing twice. Data errors end as ``failed`` with the reason in ``error``; transient
    database errors propagate so the task retries.
    """
    report = CoverageReport.objects.select_related("brand", "market").filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"No coverage report {report_id}.")
    if report.status != ReportStatus.PENDING:
        return report
    now = now or timezone.now()
    policy = policy_current(market=report.market, at=now)
    try:
        inputs = coverage_inputs(
            brand=report.brand,
            market=report.market,
            planned_annual_volume=report.planned_annual_volume,
            vehicle_models=report.vehicle_models,
            policy=policy,
            now=now,
        )
        result = engine.evaluate(inputs, engine_policy(policy))
        fingerprint = engine.fingerprint(fingerprint_payload(inputs=inputs, policy=policy, market=report.market))
    except (ValueError, ValidationError) as exc:
        return _finish(report, status=ReportStatus.FAILED, error=f"The evaluation could not run: {exc}", now=now)
    return _finish(
        report,
        status=ReportStatus.DONE,
        now=now,
        policy_version=policy.version,
        policy=policy.snapshot(),
        metrics=dict(result.metrics),
        criteria=list(result.criteria),
        passed=result.passed,
        gaps=list(result.gaps),
        fingerprint=fingerprint,
    )


def _finish(report: CoverageReport, *, status: str, now: datetime.datetime, **values: Any) -> CoverageReport:
    # Only a still-pending row is written: of two workers finishing the same report, one wins.
    CoverageReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=status, computed_at=now, **values
    )
    report.refresh_from_db()
    return report
