"""Writing service centres (DESIGN.md §3). Every rule lives in ``service_centre_clean`` so the
API, the portal and the bulk importer accept and refuse exactly the same data."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from registry import crud
from registry.geography.models import Market
from registry.network.location import relocation
from registry.network.models import ServiceCentre
from registry.tenancy.access import require, require_object
from registry.tenancy.models import Brand
from registry.validation import (
    normalize_phone,
    validate_capabilities,
    validate_email,
    validate_opening_hours,
    validate_postal_code,
    validate_url,
)
from registry.vocabulary import HOME_MARKET, CentreKind, CentreStatus

EDITABLE_FIELDS = (
    "code",
    "name",
    "kind",
    "status",
    "address",
    "city",
    "postal_code",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "opening_hours",
    "timezone",
    "capabilities",
    "service_bays",
    "ev_technicians",
    "is_public",
    "last_confirmed_at",
)
_UNIQUE = {"centre_code_unique_in_brand": {"code": "The brand already has a service centre with this code."}}


def _check_market(market: Market) -> None:
    if market.code == HOME_MARKET:
        raise ValidationError({"market": f"{HOME_MARKET} is the home market; service centres are registered abroad."})


def _check_choice(errors: dict[str, list[str]], field: str, value: Any, choices: Any) -> None:
    if value not in choices.values:
        errors.setdefault(field, []).append(
            f"“{value}” is not a valid {field}; use one of {', '.join(choices.values)}."
        )


def _check_count(errors: dict[str, list[str]], field: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        errors.setdefault(field, []).append(
            f"{field.replace('_', ' ').capitalize()} must be a whole number, 0 or more."
        )


def service_centre_clean(
    *, brand: Brand, market: Market, data: dict[str, Any], instance: ServiceCentre | None = None
) -> dict[str, Any]:
    """Validate and normalise centre data for ``market``; returns the values to store.

    ``data`` holds the fields being set (for an update, only the changed ones). Raises one
    ``ValidationError`` carrying every field's problem at once, so a person fixes all in one go.
    """
    _check_market(market)
    current = {f: getattr(instance, f) for f in EDITABLE_FIELDS} if instance else {}
    merged = {**current, **data}
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def run(field: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            out[field] = fn(*args, **kwargs)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    code = str(merged.get("code") or "").strip()
    if not code:
        errors["code"] = ["Give the centre the brand's own reference code."]
    elif ServiceCentre.objects.filter(brand=brand, code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = [f"The brand already has a service centre with the code “{code}”."]
    out["code"] = code
    name = str(merged.get("name") or "").strip()
    if not name:
        errors["name"] = ["Give the centre a name."]
    out["name"] = name
    out["kind"] = merged.get("kind") or CentreKind.AUTHORIZED_PARTNER
    _check_choice(errors, "kind", out["kind"], CentreKind)
    out["status"] = merged.get("status") or CentreStatus.ACTIVE
    _check_choice(errors, "status", out["status"], CentreStatus)
    out["address"] = str(merged.get("address") or "").strip()
    out["city"] = str(merged.get("city") or "").strip()
    for field in ("service_bays", "ev_technicians"):
        out[field] = merged.get(field, 0) if merged.get(field) is not None else 0
        _check_count(errors, field, out[field])
    out["is_public"] = bool(merged.get("is_public", True))
    out["last_confirmed_at"] = merged.get("last_confirmed_at")
    run("phone", normalize_phone, merged.get("phone") or "", market=market)
    run("postal_code", validate_postal_code, merged.get("postal_code") or "", market=market)
    run("opening_hours", validate_opening_hours, merged.get("opening_hours") or "")
    run("capabilities", validate_capabilities, merged.get("capabilities") or [])
    run("email", validate_email, merged.get("email") or "")
    run("website", validate_url, merged.get("website") or "")

    # Location: coordinates sent now are exact; a city alone is geocoded — also when an
    # approximate (city-precision) centre moves city. Otherwise the stored point stays.
    try:
        location = relocation(
            market=market,
            data=data,
            city=out["city"],
            is_new=instance is None,
            stored_city=getattr(instance, "city", ""),
            stored_is_approximate=getattr(instance, "location_precision", "city") == "city",
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    else:
        if location is not None:
            out.update(
                latitude=location.latitude,
                longitude=location.longitude,
                location_precision=location.precision,
                timezone=location.timezone,
            )
    timezone_name = str(data.get("timezone") or "").strip()
    if timezone_name:
        if timezone_name not in zoneinfo.available_timezones():
            errors.setdefault("timezone", []).append(
                f"“{timezone_name}” is not an IANA time zone (e.g. Africa/Nairobi)."
            )
        out["timezone"] = timezone_name
    if errors:
        raise ValidationError(errors)
    return out


def service_centre_create(*, by: Any, brand: Brand, market: Market, data: dict[str, Any]) -> ServiceCentre:
    """Register a centre. Needs an editor or admin of the brand for ``market``."""
    require(by, "edit", brand_id=brand.pk, market=market.code)
    values = service_centre_clean(brand=brand, market=market, data=data)
    return crud.create(by=by, instance=ServiceCentre(brand=brand, market=market, **values), unique_messages=_UNIQUE)


def service_centre_update(
    *, by: Any, centre: ServiceCentre, data: dict[str, Any], if_match: str | None = None
) -> ServiceCentre:
    """Change a centre. The market never changes (close it and register a new one instead);
    with ``if_match``, a stale ETag is refused and nothing is written."""
    require_object(by, "edit", centre)
    if "market" in data and data["market"] != centre.market:
        raise ValidationError({"market": "A centre cannot move to another market; close it and register a new one."})
    data = {k: v for k, v in data.items() if k != "market"}
    values = service_centre_clean(brand=centre.brand, market=centre.market, data=data, instance=centre)
    return crud.update(by=by, instance=centre, data=values, if_match=if_match, unique_messages=_UNIQUE)


def service_centre_delete(*, by: Any, centre: ServiceCentre, if_match: str | None = None) -> str:
    """Delete a centre, or close it when evidence, approvals or confirmations name it
    (their foreign keys PROTECT it). Returns ``"deleted"`` or ``"closed"``."""
    require_object(by, "edit", centre)
    try:
        with transaction.atomic():
            crud.delete(by=by, instance=centre, if_match=if_match)
    except ProtectedError:
        crud.update(by=by, instance=centre, data={"status": CentreStatus.CLOSED}, if_match=if_match)
        return "closed"
    return "deleted"
