"""Writing vehicle models, parts, depots and stock levels (DESIGN.md §3)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from registry import crud
from registry.audit.services import Change, audit_record_bulk, created, field_values
from registry.geography.models import Market
from registry.network.location import relocation
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.tenancy.access import require, require_object, scoped
from registry.tenancy.models import Brand
from registry.vocabulary import HOME_MARKET, PartCategory, Powertrain


def _text(errors: dict[str, list[str]], data: dict[str, Any], field: str, message: str) -> str:
    value = str(data.get(field) or "").strip()
    if not value:
        errors.setdefault(field, []).append(message)
    return value


# --- vehicle models -----------------------------------------------------------------------


def _vehicle_model_clean(*, brand: Brand, data: dict[str, Any], instance: VehicleModel | None = None) -> dict[str, Any]:
    merged = {
        **({"code": instance.code, "name": instance.name, "powertrain": instance.powertrain} if instance else {}),
        **data,
    }
    errors: dict[str, list[str]] = {}
    code = _text(errors, merged, "code", "Give the model's code.")
    name = _text(errors, merged, "name", "Give the model's name.")
    powertrain = merged.get("powertrain") or Powertrain.BEV
    if powertrain not in Powertrain.values:
        errors["powertrain"] = [f"“{powertrain}” is not a powertrain; use {', '.join(Powertrain.values)}."]
    if code and VehicleModel.objects.filter(brand=brand, code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = [f"The brand already has a vehicle model with the code “{code}”."]
    if instance and code != instance.code:
        users = _parts_fitting(brand, instance.code)
        if users:
            errors["code"] = [f"Parts {', '.join(users[:5])} list the code “{instance.code}”; change them first."]
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "powertrain": powertrain}


def _parts_fitting(brand: Brand, code: str) -> list[str]:
    return sorted(
        p.part_number
        for p in Part.objects.filter(brand=brand).only("part_number", "fits_models")
        if code in p.fits_models
    )


def vehicle_model_create(*, by: Any, brand: Brand, data: dict[str, Any]) -> VehicleModel:
    require(by, "edit", brand_id=brand.pk, brand_wide=True)
    values = _vehicle_model_clean(brand=brand, data=data)
    return crud.create(by=by, instance=VehicleModel(brand=brand, **values))


def vehicle_model_update(*, by: Any, vehicle_model: VehicleModel, data: dict[str, Any]) -> VehicleModel:
    require_object(by, "edit", vehicle_model)
    values = _vehicle_model_clean(brand=vehicle_model.brand, data=data, instance=vehicle_model)
    return crud.update(by=by, instance=vehicle_model, data=values)


def vehicle_model_delete(*, by: Any, vehicle_model: VehicleModel) -> None:
    """Delete a model no part lists in its ``fits_models``."""
    require_object(by, "edit", vehicle_model)
    users = _parts_fitting(vehicle_model.brand, vehicle_model.code)
    if users:
        raise ValidationError(f"Parts {', '.join(users[:5])} list this model; remove it from them first.")
    crud.delete(by=by, instance=vehicle_model)


# --- parts -------------------------------------------------------------------------------


def _fits_models(brand: Brand, codes: Iterable[str]) -> list[str]:
    codes = sorted({str(c).strip() for c in codes or [] if str(c).strip()})
    known = set(VehicleModel.objects.filter(brand=brand, code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"fits_models": f"Unknown vehicle model code {', '.join(unknown)} for {brand.name}."})
    return codes


def _part_clean(*, brand: Brand, data: dict[str, Any], instance: Part | None = None) -> dict[str, Any]:
    fields = ("part_number", "name", "category", "is_critical", "fits_models")
    merged = {**({f: getattr(instance, f) for f in fields} if instance else {}), **data}
    errors: dict[str, list[str]] = {}
    number = _text(errors, merged, "part_number", "Give the part number.")
    name = _text(errors, merged, "name", "Give the part's name.")
    category = merged.get("category")
    if category not in PartCategory.values:
        errors["category"] = [f"“{category}” is not a part category; use one of {', '.join(PartCategory.values)}."]
    if (
        number
        and Part.objects.filter(brand=brand, part_number=number).exclude(pk=getattr(instance, "pk", None)).exists()
    ):
        errors["part_number"] = [f"The brand already has a part numbered “{number}”."]
    fits: list[str] = []
    try:
        fits = _fits_models(brand, merged.get("fits_models") or [])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {
        "part_number": number,
        "name": name,
        "category": category,
        "is_critical": bool(merged.get("is_critical", False)),
        "fits_models": fits,
    }


def part_create(*, by: Any, brand: Brand, data: dict[str, Any]) -> Part:
    require(by, "edit", brand_id=brand.pk, brand_wide=True)
    return crud.create(by=by, instance=Part(brand=brand, **_part_clean(brand=brand, data=data)))


def part_update(*, by: Any, part: Part, data: dict[str, Any]) -> Part:
    require_object(by, "edit", part)
    return crud.update(by=by, instance=part, data=_part_clean(brand=part.brand, data=data, instance=part))


def part_delete(*, by: Any, part: Part) -> None:
    """Delete a part that no depot stocks (stock levels PROTECT it)."""
    require_object(by, "edit", part)
    try:
        with transaction.atomic():
            crud.delete(by=by, instance=part)
    except ProtectedError:
        raise ValidationError(
            f"Part {part.part_number} has stock levels in depots; delete those stock lines first."
        ) from None


# --- depots ------------------------------------------------------------------------------


def _depot_clean(
    *, brand: Brand, market: Market, data: dict[str, Any], instance: PartsDepot | None = None
) -> dict[str, Any]:
    if market.code == HOME_MARKET:
        raise ValidationError({"market": f"{HOME_MARKET} is the home market; depots are registered abroad."})
    fields = ("code", "name", "city", "latitude", "longitude")
    merged = {**({f: getattr(instance, f) for f in fields} if instance else {}), **data}
    errors: dict[str, list[str]] = {}
    code = _text(errors, merged, "code", "Give the depot the brand's own reference code.")
    name = _text(errors, merged, "name", "Give the depot a name.")
    if code and PartsDepot.objects.filter(brand=brand, code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = [f"The brand already has a depot with the code “{code}”."]
    city = str(merged.get("city") or "").strip()
    out = {"code": code, "name": name, "city": city}
    try:
        # Depots keep no precision: a new city always moves an existing depot to it.
        location = relocation(
            market=market, data=data, city=city, is_new=instance is None, stored_city=getattr(instance, "city", "")
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    else:
        if location is not None:
            out.update(latitude=location.latitude, longitude=location.longitude)
    if errors:
        raise ValidationError(errors)
    return out


def depot_create(*, by: Any, brand: Brand, market: Market, data: dict[str, Any]) -> PartsDepot:
    require(by, "edit", brand_id=brand.pk, market=market.code)
    values = _depot_clean(brand=brand, market=market, data=data)
    return crud.create(by=by, instance=PartsDepot(brand=brand, market=market, **values))


def depot_update(*, by: Any, depot: PartsDepot, data: dict[str, Any]) -> PartsDepot:
    require_object(by, "edit", depot)
    if "market" in data and data["market"] != depot.market:
        raise ValidationError({"market": "A depot cannot move to another market; register a new one."})
    data = {k: v for k, v in data.items() if k != "market"}
    return crud.update(
        by=by, instance=depot, data=_depot_clean(brand=depot.brand, market=depot.market, data=data, instance=depot)
    )


def depot_delete(*, by: Any, depot: PartsDepot) -> None:
    """Delete a depot and its stock lines (each audited)."""
    require_object(by, "edit", depot)
    with transaction.atomic():
        lines = list(StockLevel.objects.filter(depot=depot))
        audit_record_bulk(
            by=by, changes=[Change("delete", s, {k: [v, None] for k, v in field_values(s).items()}) for s in lines]
        )
        crud.delete(by=by, instance=depot)


# --- stock -------------------------------------------------------------------------------


def _quantity(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError({"quantity_on_hand": "The quantity on hand must be a whole number, 0 or more."})
    return value


def _stock_date(value: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if value is None:
        return now
    if value > now + datetime.timedelta(minutes=5):
        raise ValidationError({"updated_at": "The stock count cannot be dated in the future."})
    return value


def _same_brand(brand: Brand, depot: PartsDepot, part: Part) -> None:
    errors = {}
    if depot.brand_id != brand.pk:
        errors["depot"] = ["The depot belongs to another brand."]
    if part.brand_id != brand.pk:
        errors["part"] = ["The part belongs to another brand."]
    if errors:
        raise ValidationError(errors)


def stock_create(
    *,
    by: Any,
    brand: Brand,
    depot: PartsDepot,
    part: Part,
    quantity_on_hand: int,
    updated_at: datetime.datetime | None = None,
) -> StockLevel:
    """Record a part's stock in a depot. Brand, depot and part must be one brand's."""
    _same_brand(brand, depot, part)
    require_object(by, "edit", depot)
    if StockLevel.objects.filter(depot=depot, part=part).exists():
        raise ValidationError(
            {"part": f"Depot {depot.code} already has a stock level for {part.part_number}; update it instead."}
        )
    stock = StockLevel(
        brand=brand,
        depot=depot,
        part=part,
        quantity_on_hand=_quantity(quantity_on_hand),
        updated_at=_stock_date(updated_at),
    )
    return crud.create(
        by=by,
        instance=stock,
        unique_messages={"stock_unique_depot_part": {"part": "This depot already has a stock level for the part."}},
    )


def stock_update(*, by: Any, stock: StockLevel, data: dict[str, Any], if_match: str | None = None) -> StockLevel:
    """Change a stock level's quantity (and its count date, default now). The depot and part
    of a stock line never change; with ``if_match``, a stale ETag is refused."""
    require_object(by, "edit", stock)
    for field in ("depot", "part"):
        if field in data and getattr(data[field], "pk", data[field]) != getattr(stock, f"{field}_id"):
            raise ValidationError({field: f"A stock line's {field} never changes; create another stock line."})
    values: dict[str, Any] = {"updated_at": _stock_date(data.get("updated_at"))}
    if "quantity_on_hand" in data:
        values["quantity_on_hand"] = _quantity(data["quantity_on_hand"])
    return crud.update(by=by, instance=stock, data=values, if_match=if_match)


def stock_delete(*, by: Any, stock: StockLevel, if_match: str | None = None) -> None:
    require_object(by, "edit", stock)
    crud.delete(by=by, instance=stock, if_match=if_match)


@dataclass(frozen=True)
class StockRow:
    depot_code: str
    part_number: str
    quantity_on_hand: int
    updated_at: datetime.datetime | None = None


@transaction.atomic
def stock_bulk_set(*, by: Any, brand: Brand, rows: Sequence[StockRow]) -> dict[str, int]:
    """Set many stock levels of one brand at once — the importer's path.

    A fixed number of queries whatever the number of rows: depots and parts are resolved in
    two queries, existing lines in one, then one bulk insert and one bulk update, and the audit
    trail in bulk. All rows are checked first; any bad row refuses the whole batch with every
    problem named by row number, and nothing is written.
    """
    depots = {d.code: d for d in scoped(PartsDepot.objects.filter(brand=brand), by, action="edit")}
    parts = {p.part_number: p for p in Part.objects.filter(brand=brand, part_number__in={r.part_number for r in rows})}
    problems: list[str] = []
    for n, row in enumerate(rows, start=1):
        if row.depot_code not in depots:
            problems.append(f"row {n}: no depot “{row.depot_code}” you may edit in {brand.name}")
        if row.part_number not in parts:
            problems.append(f"row {n}: no part “{row.part_number}” in {brand.name}")
        if not isinstance(row.quantity_on_hand, int) or row.quantity_on_hand < 0:
            problems.append(f"row {n}: quantity must be a whole number, 0 or more")
    if problems:
        raise ValidationError(problems[:50])
    if not depots and not rows:
        return {"created": 0, "updated": 0}
    existing = {
        (s.depot_id, s.part_id): s
        for s in StockLevel.objects.filter(brand=brand, depot__in=[depots[r.depot_code] for r in rows])
    }
    now = timezone.now()
    to_create, to_update, changes = [], [], []
    for row in rows:
        depot, part = depots[row.depot_code], parts[row.part_number]
        when = _stock_date(row.updated_at) if row.updated_at else now
        line = existing.get((depot.pk, part.pk))
        if line is None:
            line = StockLevel(
                brand=brand, depot=depot, part=part, quantity_on_hand=row.quantity_on_hand, updated_at=when
            )
            existing[(depot.pk, part.pk)] = line
            to_create.append(line)
        else:
            before = {"quantity_on_hand": line.quantity_on_hand, "updated_at": line.updated_at.isoformat()}
            line.quantity_on_hand, line.updated_at = row.quantity_on_hand, when
            to_update.append(line)
            changes.append(
                Change(
                    "update",
                    line,
                    {k: [before[k], v] for k, v in field_values(line, before.keys()).items() if before[k] != v},
                )
            )
    StockLevel.objects.bulk_create(to_create, batch_size=2000)
    StockLevel.objects.bulk_update(to_update, ["quantity_on_hand", "updated_at"], batch_size=2000)
    changes.extend(created(line) for line in to_create)
    audit_record_bulk(by=by, changes=changes)
    return {"created": len(to_create), "updated": len(to_update)}
